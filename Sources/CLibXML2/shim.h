// libxml2's XML and HTML parsers (Debian: libxml2-dev).

// Debian builds libxml2 with ICU, so <libxml/encoding.h> would include ICU's <unicode/ucnv.h>.
// Swift's Foundation carries its own ICU module (_FoundationICU) whose `UErrorCode` differs, and a
// Swift module that imports both fails to compile ("'UErrorCode' has different definitions in
// different modules"). The ICU headers only add fields at the end of xmlCharEncodingHandler,
// which Swift code here never reads or allocates, so they are left out.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/entities.h>
#include <libxml/xmlIO.h>
#include <libxml/xmlerror.h>

/// `xmlFree` is a global function-pointer variable (or, in some builds, a macro); this gives
/// Swift one plain function to call.
static inline void easykv_xml_free(void *pointer) {
    xmlFree(pointer);
}
