import COpenBLAS

/// Dense fp32 matrix products through OpenBLAS (`cblas_sgemm`). Row-major throughout.
public enum Matmul {
    /// `C[m, n] = alpha · A[m, k] × B[n, k]ᵀ + beta · C`: activations times a weight matrix stored
    /// as ggml rows (one output feature per row), the shape of every projection in the model.
    @inline(__always)
    public static func timesTransposed(
        _ a: UnsafePointer<Float>, rows m: Int, lda: Int? = nil,
        _ b: UnsafePointer<Float>, rows n: Int, ldb: Int? = nil,
        inner k: Int, into c: UnsafeMutablePointer<Float>, ldc: Int? = nil,
        alpha: Float = 1, beta: Float = 0
    ) {
        guard m > 0, n > 0 else { return }
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k), alpha,
            a, Int32(lda ?? k), b, Int32(ldb ?? k), beta, c, Int32(ldc ?? n))
    }

    /// `C[m, n] = alpha · A[m, k] × B[k, n] + beta · C`.
    @inline(__always)
    public static func times(
        _ a: UnsafePointer<Float>, rows m: Int, lda: Int? = nil,
        _ b: UnsafePointer<Float>, columns n: Int, ldb: Int? = nil,
        inner k: Int, into c: UnsafeMutablePointer<Float>, ldc: Int? = nil,
        alpha: Float = 1, beta: Float = 0
    ) {
        guard m > 0, n > 0 else { return }
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), alpha,
            a, Int32(lda ?? k), b, Int32(ldb ?? n), beta, c, Int32(ldc ?? n))
    }

    /// `y[m] = alpha · A[m, n] × x[n]` (`cblas_sgemv`, no transpose), or with `transposed`,
    /// `y[n] = alpha · A[m, n]ᵀ × x[m]`. Used where one query row meets the whole cache: OpenBLAS's
    /// sgemm would repack the keys for every such call.
    @inline(__always)
    public static func matrixVector(
        _ a: UnsafePointer<Float>, rows m: Int, columns n: Int, lda: Int? = nil, transposed: Bool = false,
        _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, alpha: Float = 1, beta: Float = 0
    ) {
        guard m > 0, n > 0 else { return }
        cblas_sgemv(
            CblasRowMajor, transposed ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), alpha, a, Int32(lda ?? n), x, 1,
            beta, y, 1)
    }

    /// `timesTransposed` with the `n` output columns split across `Parallel`'s workers, each
    /// running a single-threaded sgemm on its slice of the weight rows.
    public static func timesTransposedParallel(
        _ a: UnsafePointer<Float>, rows m: Int, _ b: UnsafePointer<Float>, rows n: Int, inner k: Int,
        into c: UnsafeMutablePointer<Float>, beta: Float = 0
    ) {
        let box = UncheckedBox((a, b, c))
        Parallel.ranges(n, granularity: 16) { r in
            let (a, b, c) = box.value
            timesTransposed(
                a, rows: m, lda: k, b + r.lowerBound * k, rows: r.count, ldb: k, inner: k,
                into: c + r.lowerBound, ldc: n, beta: beta)
        }
    }

    /// Scalar reference for `timesTransposed` (tests compare against it).
    public static func timesTransposedReference(
        _ a: UnsafePointer<Float>, rows m: Int, _ b: UnsafePointer<Float>, rows n: Int, inner k: Int,
        into c: UnsafeMutablePointer<Float>
    ) {
        for i in 0..<m {
            for j in 0..<n {
                var s: Double = 0
                for t in 0..<k { s += Double(a[i * k + t]) * Double(b[j * k + t]) }
                c[i * n + j] = Float(s)
            }
        }
    }
}

/// The OpenBLAS thread pool size (one pool for the process; DESIGN.md: no oversubscription).
public enum BLASThreads {
    public static func set(_ count: Int) { openblas_set_num_threads(Int32(max(1, count))) }
    public static var current: Int { Int(openblas_get_num_threads()) }
}
