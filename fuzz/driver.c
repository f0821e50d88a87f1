/* libFuzzer entry points that hand each input to a Python fuzz target.
 *
 * The interpreter is embedded once, as the virtual environment FUZZ_PYTHON (which has
 * handlepy installed), with Python objects allocated by malloc so that AddressSanitizer
 * sees overflows of objects too. FUZZ_TARGET names a module in FUZZ_DIR with
 * `load()`, giving the extension under test, and `check(module, data)`, which raises
 * AssertionError on a wrong result. Any exception escaping `check` aborts, so that
 * libFuzzer records the input as a crash. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <stdlib.h>

#if !defined(FUZZ_PYTHON) || !defined(FUZZ_DIR) || !defined(FUZZ_TARGET)
#error "define FUZZ_PYTHON, FUZZ_DIR and FUZZ_TARGET"
#endif

static PyObject *check, *module;

static void fail(const char *what)
{
    fprintf(stderr, "fuzz driver: %s\n", what);
    if (PyErr_Occurred())
        PyErr_Print();
    abort();
}

static void start_python(void)
{
    PyPreConfig preconfig;
    PyPreConfig_InitPythonConfig(&preconfig);
    preconfig.allocator = PYMEM_ALLOCATOR_MALLOC;
    if (PyStatus_Exception(Py_PreInitialize(&preconfig)))
        fail("cannot pre-initialise Python");
    PyConfig config;
    PyConfig_InitPythonConfig(&config);
    /* libFuzzer owns the signals: SIGINT stops the run, and crashes are its to report. */
    config.install_signal_handlers = 0;
    config.parse_argv = 0;
    PyStatus status = PyConfig_SetBytesString(&config, &config.program_name, FUZZ_PYTHON);
    if (!PyStatus_Exception(status))
        status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status))
        fail("cannot initialise Python");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    start_python();
    PyObject *path = PySys_GetObject("path");
    PyObject *dir = PyUnicode_FromString(FUZZ_DIR);
    if (path == NULL || dir == NULL || PyList_Insert(path, 0, dir) < 0)
        fail("cannot extend sys.path");
    Py_DECREF(dir);
    PyObject *target = PyImport_ImportModule(FUZZ_TARGET);
    if (target == NULL)
        fail("cannot import " FUZZ_TARGET);
    check = PyObject_GetAttrString(target, "check");
    module = PyObject_CallMethod(target, "load", NULL);
    Py_DECREF(target);
    if (check == NULL || module == NULL)
        fail("cannot load the extension under test");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    PyObject *bytes = PyBytes_FromStringAndSize((const char *)data, (Py_ssize_t)size);
    if (bytes == NULL)
        fail("cannot make the input bytes");
    PyObject *result = PyObject_CallFunctionObjArgs(check, module, bytes, NULL);
    Py_DECREF(bytes);
    if (result == NULL)
        fail("the check failed on this input");
    Py_DECREF(result);
    return 0;
}
