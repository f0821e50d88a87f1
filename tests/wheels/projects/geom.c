/* The example of make test-wheels (scripts/test-wheels): a keyword function and a custom
 * type with members, a getset and a method, built as one universal binary per build
 * system and installed from its wheel on every interpreter of the matrix. */
#include <stddef.h>

#include "hpy.h"

typedef struct {
    double x, y;
} PointObject;
HPyType_HELPERS(PointObject)

static const char *point_kw[] = {"x", "y", NULL};

HPyDef_SLOT(Point_new, HPy_tp_new)
static HPy Point_new_impl(HPyContext *ctx, HPy type, const HPy *args, HPy_ssize_t nargs,
                          HPy kw)
{
    double x = 0.0, y = 0.0;
    HPyTracker ht;
    if (!HPyArg_ParseKeywordsDict(ctx, &ht, args, nargs, kw, "|dd:Point", point_kw, &x, &y))
        return HPy_NULL;
    HPyTracker_Close(ctx, ht);
    PointObject *p;
    HPy h = HPy_New(ctx, type, &p);
    if (!HPy_IsNull(h)) {
        p->x = x;
        p->y = y;
    }
    return h;
}

HPyDef_MEMBER(Point_x, "x", HPyMember_DOUBLE, offsetof(PointObject, x))
HPyDef_MEMBER(Point_y, "y", HPyMember_DOUBLE, offsetof(PointObject, y))

HPyDef_GET(Point_norm1, "norm1", .doc = "|x| + |y|")
static HPy Point_norm1_get(HPyContext *ctx, HPy self, void *closure)
{
    PointObject *p = PointObject_AsStruct(ctx, self);
    return HPyFloat_FromDouble(ctx, (p->x < 0 ? -p->x : p->x) + (p->y < 0 ? -p->y : p->y));
}

HPyDef_METH(Point_scaled, "scaled", HPyFunc_O, .doc = "scaled(k) -> a new Point")
static HPy Point_scaled_impl(HPyContext *ctx, HPy self, HPy k)
{
    double f = HPyFloat_AsDouble(ctx, k);
    if (f == -1.0 && HPyErr_Occurred(ctx))
        return HPy_NULL;
    PointObject *p = PointObject_AsStruct(ctx, self), *q;
    HPy type = HPy_Type(ctx, self);
    HPy h = HPy_New(ctx, type, &q);
    HPy_Close(ctx, type);
    if (!HPy_IsNull(h)) {
        q->x = p->x * f;
        q->y = p->y * f;
    }
    return h;
}

static HPyDef *Point_defines[] = {&Point_new, &Point_x, &Point_y, &Point_norm1, &Point_scaled,
                                  NULL};

static HPyType_Spec Point_spec = {
    .name = "geom.Point",
    .basicsize = sizeof(PointObject),
    .builtin_shape = SHAPE(PointObject),
    .defines = Point_defines,
};

static const char *distance_kw[] = {"a", "b", "scale", NULL};

HPyDef_METH(distance, "distance", HPyFunc_KEYWORDS,
            .doc = "distance(a, b, *, scale=1.0) -> float: |dx| + |dy|, times scale")
static HPy distance_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs,
                         HPy kwnames)
{
    HPy a, b;
    double scale = 1.0;
    HPyTracker ht;
    if (!HPyArg_ParseKeywords(ctx, &ht, args, nargs, kwnames, "OO|$d:distance", distance_kw,
                              &a, &b, &scale))
        return HPy_NULL;
    double d[2];
    const char *names[2] = {"x", "y"};
    for (int i = 0; i < 2; i++) {
        HPy pa = HPy_GetAttr_s(ctx, a, names[i]);
        HPy pb = HPy_IsNull(pa) ? HPy_NULL : HPy_GetAttr_s(ctx, b, names[i]);
        double va = HPy_IsNull(pb) ? -1.0 : HPyFloat_AsDouble(ctx, pa);
        double vb = HPy_IsNull(pb) ? -1.0 : HPyFloat_AsDouble(ctx, pb);
        HPy_Close(ctx, pa);
        HPy_Close(ctx, pb);
        if (HPyErr_Occurred(ctx)) {
            HPyTracker_Close(ctx, ht);
            return HPy_NULL;
        }
        d[i] = va < vb ? vb - va : va - vb;
    }
    HPyTracker_Close(ctx, ht);
    return HPyFloat_FromDouble(ctx, (d[0] + d[1]) * scale);
}

HPyDef_SLOT(geom_exec, HPy_mod_exec)
static int geom_exec_impl(HPyContext *ctx, HPy module)
{
    return HPyHelpers_AddType(ctx, module, "Point", &Point_spec, NULL) ? 0 : -1;
}

static HPyDef *geom_defines[] = {&distance, &geom_exec, NULL};

static HPyModuleDef geom_def = {
    .doc = "Points in the plane: the example of make test-wheels.",
    .defines = geom_defines,
};

HPy_MODINIT(geom, geom_def)
