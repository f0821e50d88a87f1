"""The argument parsers in debug mode: the 'O' outputs of HPyArg_ParseKeywords and
HPyArg_ParseKeywordsDict are new handles the tracker owns (as in HPy 0.9), so they stay
valid after the caller closes the handles it parsed from, and die with the tracker."""
import pytest

from debugtools import load
from handlepy.debug import HandleError

SOURCE = """
    /* HPy 0.9's test_keywords_dict: the positional handles are the caller's own, closed
     * right after parsing; the outputs are used after that. */
    HPyDef_METH(add_dict, "add_dict", HPyFunc_VARARGS)
    static HPy add_dict_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        static const char *kwlist[] = { "a", "b", NULL };
        HPy_ssize_t n = HPy_Length(ctx, args[0]);
        HPy items[4];
        for (HPy_ssize_t i = 0; i < n; i++)
            items[i] = HPy_GetItem_i(ctx, args[0], i);
        HPy a, b = HPy_NULL;
        HPyTracker ht;
        int ok = HPyArg_ParseKeywordsDict(ctx, &ht, items, n, args[1], "O|O", kwlist, &a, &b);
        for (HPy_ssize_t i = 0; i < n; i++)
            HPy_Close(ctx, items[i]);
        if (!ok)
            return HPy_NULL;
        if (HPy_IsNull(b)) {
            b = HPyLong_FromLong(ctx, 5);
            HPyTracker_Add(ctx, ht, b);
        }
        HPy res = HPy_Add(ctx, a, b);
        HPyTracker_Close(ctx, ht);
        return res;
    }

    /* An output used after its tracker is closed: a closed handle. */
    HPyDef_METH(use_after_tracker, "use_after_tracker", HPyFunc_KEYWORDS)
    static HPy use_after_tracker_impl(HPyContext *ctx, HPy self, const HPy *args,
                                      size_t nargs, HPy kwnames)
    {
        static const char *kwlist[] = { "a", NULL };
        HPy a;
        HPyTracker ht;
        if (!HPyArg_ParseKeywords(ctx, &ht, args, nargs, kwnames, "O", kwlist, &a))
            return HPy_NULL;
        HPyTracker_Close(ctx, ht);
        return HPy_Repr(ctx, a);
    }

    /* The same with HPyArg_Parse, whose 'O' outputs are the arguments themselves. */
    HPyDef_METH(parse_after_tracker, "parse_after_tracker", HPyFunc_VARARGS)
    static HPy parse_after_tracker_impl(HPyContext *ctx, HPy self, const HPy *args,
                                        size_t nargs)
    {
        HPy a;
        HPyTracker ht;
        if (!HPyArg_Parse(ctx, &ht, args, nargs, "O", &a))
            return HPy_NULL;
        HPyTracker_Close(ctx, ht);
        return HPy_Repr(ctx, a);
    }
    @EXPORT(add_dict)
    @EXPORT(use_after_tracker)
    @EXPORT(parse_after_tracker)
    @INIT
"""


@pytest.fixture(scope="module")
def module():
    return load(SOURCE)


def test_outputs_outlive_the_handles_they_were_parsed_from(module, on_error):
    on_error("raise")
    assert module.add_dict((), {"a": 3, "b": 2}) == 5
    assert module.add_dict((3, 2), {}) == 5
    assert module.add_dict((3,), {}) == 8
    assert module.add_dict(("x",), {"b": "y"}) == "xy"


@pytest.mark.parametrize("how", ["position", "keyword"])
def test_outputs_die_with_the_tracker(module, on_error, how):
    on_error("raise")
    with pytest.raises(HandleError) as info:
        module.use_after_tracker(*([7] if how == "position" else []),
                                 **({"a": 7} if how == "keyword" else {}))
    message = str(info.value)
    assert "HPy_Repr got a closed handle as argument 'obj'" in message, message
    assert "it was closed by HPyTracker_Close" in message, message


def test_parse_outputs_are_the_arguments(module, on_error):
    on_error("raise")
    assert module.parse_after_tracker(7) == "7"
