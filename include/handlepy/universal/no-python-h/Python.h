/* Universal builds put this folder first on the include path: a universal binary calls
 * no C API, so finding the interpreter's Python.h would only defer the error to link
 * or load time. (The first words are HPy 0.9's, which tools written for HPy look for.) */
#error "It is forbidden to #include <Python.h> when targeting the HPy Universal ABI: build with HPY_ABI_HYBRID or HPY_ABI_CPYTHON to use the C API"
