/* Struct sequences: HPy 0.9's descriptor, which has no n_in_sequence (every field is
 * an item of the sequence). */
#ifndef HANDLEPY_STRUCTSEQ_H
#define HANDLEPY_STRUCTSEQ_H

struct _HPyStructSequence_Field_s {
    /* NULL ends the fields. */
    const char *name;
    const char *doc;
};

struct _HPyStructSequence_Desc_s {
    const char *name;
    const char *doc;
    HPyStructSequence_Field *fields;
};

/* A field name meaning "no attribute: reachable by index only". The host recognises it
 * by its text (CPython's own marker's, which is no identifier), so any copy works. */
#define _HPyStructSequence_UNNAMED_TEXT "unnamed field"
extern _HPy_HIDDEN const char *const HPyStructSequence_UnnamedField;

#endif
