// libcurl's easy interface (Debian: libcurl4-openssl-dev).
//
// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call. Each wrapper
// below fixes one argument type, so Swift calls a typed function and the C compiler does the
// variadic call with the type curl expects for that option (curl.h, "CURLOPTTYPE_*").
#include <curl/curl.h>

typedef size_t (*easykv_curl_data_callback)(char *data, size_t size, size_t count, void *context);
typedef int (*easykv_curl_progress_callback)(
    void *context, curl_off_t downloadTotal, curl_off_t downloadNow, curl_off_t uploadTotal, curl_off_t uploadNow);

static inline CURLcode easykv_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode easykv_curl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode easykv_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode easykv_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

/// For CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION.
static inline CURLcode easykv_curl_setopt_data_callback(
    CURL *handle, CURLoption option, easykv_curl_data_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

/// For CURLOPT_XFERINFOFUNCTION.
static inline CURLcode easykv_curl_setopt_progress_callback(CURL *handle, easykv_curl_progress_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback);
}

static inline CURLcode easykv_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode easykv_curl_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode easykv_curl_getinfo_string(CURL *handle, CURLINFO info, char **value) {
    return curl_easy_getinfo(handle, info, value);
}

typedef curl_socket_t (*easykv_curl_opensocket_callback)(
    void *context, curlsocktype purpose, struct curl_sockaddr *address);

/// For CURLOPT_OPENSOCKETFUNCTION: curl hands over the address it is about to connect to, after
/// DNS, for every connection (redirect hops included), and the callback opens the socket or
/// refuses with CURL_SOCKET_BAD.
static inline CURLcode easykv_curl_setopt_opensocket_callback(
    CURL *handle, easykv_curl_opensocket_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, callback);
}
