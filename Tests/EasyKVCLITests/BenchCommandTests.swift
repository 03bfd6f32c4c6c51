import Foundation
import TestSupport
import Testing

/// `easykv bench --large-model` end to end on the tiny model (milliseconds a case): the figures
/// issue 14 asks for, each beside the naive fp32 reference measured in the same run, and the
/// memory probe of a fresh process doing the same work.
@Suite struct BenchCommandTests {
    @Test func largeModelSetWithNaiveReferences() throws {
        let result = try CLIRunner.run([
            "bench", "--large-model", "--model", TinyModel.path, "--threads", "1", "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(report["plan"] as? String == "large")
        #expect(report["scale"] as? String == "small")
        #expect((report["kernel_set"] as? String)?.isEmpty == false)
        let figures = try #require(report["figures"] as? [[String: Any]])
        #expect(figures.map { $0["id"] as? String } == ["prefill/p512/s512/full", "decode/d512/tg64/full"])
        #expect(
            figures.map { $0["baseline_source"] as? String } == [
                "ours:prefill/p512/s512/full/fp32", "ours:decode/d512/tg8/full/fp32",
            ])
        for figure in figures {
            #expect((figure["tokens_per_second"] as? Double ?? 0) > 0)
            #expect((figure["baseline_tokens_per_second"] as? Double ?? 0) > 0)
        }
        // Kernel speeds and the sgemm ceiling are the default model's run's business.
        #expect((report["kernels"] as? [Any])?.isEmpty == true)
        #expect(report["ceiling"] == nil)
        let memory = try #require(report["memory"] as? [String: Any])
        #expect(memory["figure"] as? String == "decode/d512/tg64/full")
        let fileBytes = try #require(memory["file_bytes"] as? Int)
        #expect(fileBytes == (try FileManager.default.attributesOfItem(atPath: TinyModel.path)[.size] as? Int))
        #expect((memory["model_bytes"] as? Int ?? 0) >= fileBytes)
    }

    @Test func quickAndLargeModelExcludeEachOther() throws {
        let result = try CLIRunner.run(["bench", "--quick", "--large-model", "--model", TinyModel.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--quick and --large-model"), "\(result.stderr)")
    }
}
