// libcurl's easy and multi interfaces (Debian: libcurl4-openssl-dev).
#include <curl/curl.h>
