/// The loop every fast quantized dot product shares (see `QuantizedDot` for why it is shaped
/// this way). A format supplies two small closures that are inlined into it: one decodes the
/// float scales of a (super-)block, one unpacks 32 weights of a sub-block to Int32 in element
/// order. `rows` is a constant at each call site (1, 2 or 4), so after inlining LLVM keeps one
/// set of sixteen float lanes per activation row in registers and unpacks each block once for
/// all of them.
enum QuantizedDotKernel {
    /// The most activation rows one pass over a weight row serves; more rows spill registers
    /// and ran slower per row (measured: 8 rows at 22 G MAC/s against 30–37 for 2–4).
    static let maxRows = 4

    /// The two binary16 values in `bits` (low half first) as Floats.
    ///
    /// Loading both f16 fields of a block as one 32-bit word lets LLVM use `vmovd` +
    /// `vcvtph2ps`; a 16-bit load becomes `vpinsrw` into a live register, which chained every
    /// block to the previous one and halved the speed of the whole kernel.
    @inline(__always)
    static func halves(_ bits: UInt32) -> (Float, Float) {
        #if arch(x86_64) && os(macOS)
            return (
                HalfPrecision.float(fromF16: UInt16(truncatingIfNeeded: bits)),
                HalfPrecision.float(fromF16: UInt16(truncatingIfNeeded: bits >> 16))
            )
        #else
            return (
                Float(Float16(bitPattern: UInt16(truncatingIfNeeded: bits))),
                Float(Float16(bitPattern: UInt16(truncatingIfNeeded: bits >> 16)))
            )
        #endif
    }

    /// The binary16 value at `offset` (any alignment) as Float, through integer arithmetic.
    ///
    /// For blocks whose f16 field is followed by quants. A wider load there gets merged with the
    /// quant loads (Q8_0 then ran at 4 G weights/s), and a 16-bit load into `vcvtph2ps` becomes
    /// `vpinsrw` into a live register, a false dependency from block to block.
    /// `HalfPrecision.float(fromF16:)` is exact and has neither problem (a multiply-only variant
    /// that skips its special cases measured slower).
    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        HalfPrecision.float(fromF16: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    /// Σ of the sixteen floats at `p`, as a tree (a serial sum is a 16-add latency chain per
    /// output).
    @inline(__always)
    static func sum16(_ p: UnsafePointer<Float>) -> Float {
        let v = UnsafeRawPointer(p).load(as: SIMD16<Float>.self)
        let a = v.lowHalf + v.highHalf
        let b = a.lowHalf + a.highHalf
        let c = b.lowHalf + b.highHalf
        return c[0] + c[1]
    }

    /// Runs `kernel(first, count)` over activation rows `first..<first+count` in groups of 4, 2
    /// and 1, each group size a literal so the kernel is specialised for it.
    @inline(__always)
    static func inGroups(_ first: Int, _ count: Int, _ kernel: (_ first: Int, _ count: Int) -> Void) {
        var row = first
        let end = first + count
        while end - row >= 4 {
            kernel(row, 4)
            row += 4
        }
        if end - row >= 2 {
            kernel(row, 2)
            row += 2
        }
        if end - row == 1 { kernel(row, 1) }
    }

    /// Writes a super-block's sub-block scales and min terms: `(superBlock, scale, minimum)`.
    typealias ScaleDecoder = (UnsafeRawPointer, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void
    /// Writes the 32 integer weights of one sub-block: `(superBlock, g, out)`.
    typealias Unpacker = (UnsafeRawPointer, Int, UnsafeMutablePointer<Int32>) -> Void

    /// One weight row · activation rows `first..<first+rows`.
    ///
    /// The row is `x.columns / (32 · subBlocks)` super-blocks of `superBlockBytes` bytes, each
    /// `subBlocks` runs of 32 weights, one activation block each. Per super-block, `scales`
    /// writes the weight scale of each sub-block to `scale[g]` and, with `hasMin`, the weight min
    /// term to `minimum[g]`, which multiplies the activation block's `d_a Σ q_a`.
    /// `unpack(superBlock, g, out)` writes the 32 integer weights of sub-block `g`; products of
    /// pairs of them with activations must stay below 2^24 in magnitude so their Float is exact.
    ///
    /// Writes `c[r · ldc]` for `r` in `0..<rows`.
    @inline(__always)
    static func accumulate(
        _ weights: UnsafeRawPointer, _ x: ActivationRows, first: Int, rows: Int, superBlockBytes: Int, subBlocks: Int,
        hasMin: Bool, into c: UnsafeMutablePointer<Float>, ldc: Int,
        scales: ScaleDecoder, unpack: Unpacker
    ) {
        // Separate fixed-size buffers: LLVM then keeps the lanes in vector registers (one shared
        // buffer with rebound parts stayed in memory and ran at a third of the speed).
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 16 * maxRows + maxRows) { laneBuffer in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 16) { scaleBuffer in
                withUnsafeTemporaryAllocation(of: Int32.self, capacity: 32) { unpackBuffer in
                    let lanes = laneBuffer.baseAddress!
                    let minSums = lanes + 16 * maxRows
                    let scale = scaleBuffer.baseAddress!
                    let minimum = scale + 8
                    let unpacked = unpackBuffer.baseAddress!
                    lanes.initialize(repeating: 0, count: 16 &* rows)
                    minSums.initialize(repeating: 0, count: rows)
                    let superBlocks = x.columns / (32 &* subBlocks)
                    var w = weights
                    for sb in 0..<superBlocks {
                        scales(w, scale, minimum)
                        for g in 0..<subBlocks {
                            unpack(w, g, unpacked)
                            let block = sb &* subBlocks &+ g
                            for r in 0..<rows {
                                let row = first &+ r
                                let a = x.quants + (row &* x.columns &+ 32 &* block)
                                let da = x.scales[row &* x.blocks &+ block]
                                let lane = lanes + 16 &* r
                                let s = scale[g] * da
                                for j in 0..<16 {
                                    let p = unpacked[j] &* a[j] &+ unpacked[j &+ 16] &* a[j &+ 16]
                                    lane[j].addProduct(Float(p), s)
                                }
                                if hasMin {
                                    minSums[r].addProduct(minimum[g], x.scaledSums[row &* x.blocks &+ block])
                                }
                            }
                        }
                        w += superBlockBytes
                    }
                    for r in 0..<rows {
                        c[r &* ldc] = sum16(lanes + 16 &* r) + minSums[r]
                    }
                }
            }
        }
    }
}
