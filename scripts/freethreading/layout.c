/* The object header this compilation sees. Built by scripts/check-freethreading with and
 * without -DPy_GIL_DISABLED=1: the static assertions fail the build if the headers do not
 * give the layout the loader and the CPython backend are written for, and the program
 * prints it. */
#include <Python.h>
#include <stddef.h>
#include <stdio.h>

#ifdef Py_GIL_DISABLED
/* Free-threaded: the owning thread's id first, a local and a shared count, the type last. */
_Static_assert(offsetof(PyObject, ob_tid) == 0, "ob_tid leads the header");
_Static_assert(offsetof(PyObject, ob_ref_local) < offsetof(PyObject, ob_ref_shared),
               "local count before the shared one");
_Static_assert(offsetof(PyObject, ob_type) == 3 * sizeof(void *), "ob_type after the counts");
_Static_assert(sizeof(PyObject) == 4 * sizeof(void *), "a four-word header");
#define LAYOUT "free-threaded"
#define REFCOUNT_AT offsetof(PyObject, ob_ref_local)
#else
_Static_assert(offsetof(PyObject, ob_refcnt) == 0, "ob_refcnt leads the header");
_Static_assert(offsetof(PyObject, ob_type) == sizeof(Py_ssize_t), "ob_type second");
_Static_assert(sizeof(PyObject) == 2 * sizeof(void *), "a two-word header");
#define LAYOUT "with the GIL"
#define REFCOUNT_AT offsetof(PyObject, ob_refcnt)
#endif

int main(void)
{
    printf("Python %s headers, %s: refcount at %zu, ob_type at %zu, PyObject %zu bytes, "
           "PyVarObject %zu bytes\n", PY_VERSION, LAYOUT, (size_t)REFCOUNT_AT,
           offsetof(PyObject, ob_type), sizeof(PyObject), sizeof(PyVarObject));
    return 0;
}
