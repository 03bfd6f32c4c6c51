// Picks the kernel set once, for the CPU the process runs on (ggml-cpu's backend variants do
// the same with `__builtin_cpu_supports`), and forwards the public entry points to it.
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ck_internal.h"

static _Atomic(const ck_kernel_set *) current_set = NULL;

/// The sets this CPU can run, best first (at most three), ending with NULL.
static void usable_sets(const ck_kernel_set *out[4]) {
    int n = 0;
#if defined(__x86_64__) || defined(_M_X64)
    __builtin_cpu_init();
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    if (avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni")) {
        out[n++] = &ck_avx512_set;
    }
    if (avx2) out[n++] = &ck_avx2_set;
#endif
    out[n++] = &ck_portable_set;
    out[n] = NULL;
}

static const ck_kernel_set *named_set(const char *name) {
    const ck_kernel_set *sets[4];
    usable_sets(sets);
    for (int i = 0; sets[i]; i++) {
        if (strcmp(sets[i]->name, name) == 0) return sets[i];
    }
    return NULL;
}

static const ck_kernel_set *kernels(void) {
    const ck_kernel_set *set = atomic_load_explicit(&current_set, memory_order_acquire);
    if (set) return set;
    const char *requested = getenv("EASYKV_KERNELS");
    set = requested && *requested ? named_set(requested) : NULL;
    if (!set) {
        const ck_kernel_set *sets[4];
        usable_sets(sets);
        set = sets[0];
    }
    const ck_kernel_set *expected = NULL;
    atomic_compare_exchange_strong(&current_set, &expected, set);
    return atomic_load_explicit(&current_set, memory_order_acquire);
}

int ck_supports_format(int format) { return ck_block_bytes(format) != 0; }

const char *ck_kernel_set_name(void) { return kernels()->name; }

const char *ck_available_kernel_sets(void) {
    static char list[64];
    static atomic_int ready = 0;
    if (!atomic_load(&ready)) {
        const ck_kernel_set *sets[4];
        usable_sets(sets);
        char buffer[64] = "";
        for (int i = 0; sets[i]; i++) {
            if (i) strcat(buffer, ",");
            strcat(buffer, sets[i]->name);
        }
        memcpy(list, buffer, sizeof list);
        atomic_store(&ready, 1);
    }
    return list;
}

int ck_kernel_set_index(const char *name) {
    const ck_kernel_set *sets[4];
    usable_sets(sets);
    for (int i = 0; sets[i]; i++) {
        if (strcmp(sets[i]->name, name) == 0) return i;
    }
    return -1;
}

/// The set at position `set` of the usable ones, or the current set for -1.
static const ck_kernel_set *set_at(int set) {
    if (set < 0) return kernels();
    const ck_kernel_set *sets[4];
    usable_sets(sets);
    for (int i = 0; sets[i]; i++) {
        if (i == set) return sets[i];
    }
    return kernels();
}

int ck_select_kernel_set(const char *name) {
    const ck_kernel_set *set = named_set(name);
    if (!set) return -1;
    atomic_store_explicit(&current_set, set, memory_order_release);
    return 0;
}

void ck_quantize_rows(
    int set, const float *x, intptr_t rows, intptr_t columns, int8_t *quants, float *scales, float *scaled_sums,
    int32_t *block_sums, int32_t *half_sums) {
    set_at(set)->quantize(x, rows, columns, quants, scales, scaled_sums, block_sums, half_sums);
}

void ck_dot_rows(
    int set, int format, const void *weights, intptr_t row_bytes, intptr_t weight_rows, const ck_activations *x, float *c,
    intptr_t ldc) {
    if (x->rows <= 0 || weight_rows <= 0) return;
    set_at(set)->dot_rows(format, weights, row_bytes, weight_rows, x, c, ldc);
}

intptr_t ck_gemm_tile_rows(int set) { return set_at(set)->gemm_tile_rows; }

void ck_gemm(
    int set, int format, const void *weights, intptr_t row_bytes, intptr_t weight_rows, const ck_activations *x,
    intptr_t first, intptr_t count, float *c, intptr_t ldc) {
    if (count <= 0 || weight_rows <= 0) return;
    set_at(set)->gemm(format, weights, row_bytes, weight_rows, x, first, count, c, ldc);
}

float ck_exp_shifted_sum(float *x, intptr_t count, float shift) { return kernels()->exp_shifted_sum(x, count, shift); }

void ck_swiglu(const float *gate, const float *up, float *out, intptr_t count) {
    kernels()->swiglu(gate, up, out, count);
}
