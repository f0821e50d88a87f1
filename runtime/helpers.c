#include "hpy.h"

int HPyHelpers_AddType(HPyContext *ctx, HPy obj, const char *name, HPyType_Spec *spec,
                       HPyType_SpecParam *params)
{
    HPy type = HPyType_FromSpec(ctx, spec, params);
    if (HPy_IsNull(type))
        return 0;
    int res = HPy_SetAttr_s(ctx, obj, name, type);
    HPy_Close(ctx, type);
    return res == 0;
}
