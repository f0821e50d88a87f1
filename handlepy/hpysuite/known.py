"""HPy 0.9 tests that do not pass on handlepy, each with the reason.

A key is a test id without its ABI parameter (it then covers every ABI), or with it.
The report lists each failing test with the reason found here; a failure without one
fails ``make test-hpy``. Reasons are one of:

- a deliberate difference an extension author is better served by (listed in
  docs/hpy-compatibility.md and the API reference);
- an HPy implementation detail the test asserts (a debug handle's id, the name of
  HPy's loader module), never behaviour an extension can observe.
"""
KNOWN = {
}
