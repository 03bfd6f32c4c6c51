import Foundation
import Synchronization
import Testing

@testable import Evaluation

struct EvaluationProgressTests {
    final class Lines: Sendable {
        let value = Mutex<[String]>([])
        func append(_ s: String) { value.withLock { $0.append(s) } }
        var all: [String] { value.withLock { $0 } }
    }

    @Test func logStyleWritesWholeLinesAndAlwaysTheLast() {
        let lines = Lines()
        let p = EvaluationProgress(label: "passkey", total: 3, style: .log, write: { lines.append($0) })
        p.logInterval = 3600
        p.advance(note: "first")
        p.advance(note: "second")  // within the interval: no line
        p.advance(note: "third")  // the last item: always a line
        p.finish()
        #expect(lines.all.count == 2)
        #expect(lines.all[0].hasPrefix("passkey: 1/3 (33%) ") && lines.all[0].hasSuffix(" — first\n"))
        #expect(lines.all[1].hasPrefix("passkey: 3/3 (100%) ") && lines.all[1].hasSuffix(" — third\n"))
    }

    @Test func liveStyleRedrawsOneLine() {
        let lines = Lines()
        let p = EvaluationProgress(label: "ppl", total: 2, style: .live, write: { lines.append($0) })
        p.advance()
        p.advance()
        p.finish()
        #expect(lines.all.count == 3)
        #expect(lines.all.allSatisfy { $0.hasPrefix("\r\u{1B}[K") })
        #expect(lines.all.last!.hasSuffix("\n") && !lines.all[0].hasSuffix("\n"))
    }

    @Test func quietWritesNothing() {
        let lines = Lines()
        let p = EvaluationProgress(label: "x", total: 1, style: .quiet, write: { lines.append($0) })
        p.advance()
        p.finish()
        #expect(lines.all.isEmpty)
    }

    @Test func durations() {
        #expect(EvaluationProgress.duration(59.4) == "59s")
        #expect(EvaluationProgress.duration(125) == "2m05s")
        #expect(EvaluationProgress.duration(7300) == "2h01m")
    }
}
