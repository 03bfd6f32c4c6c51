// libxml2's XML and HTML parsers (Debian: libxml2-dev).
#include <libxml/parser.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
