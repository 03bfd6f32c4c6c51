import Foundation
import Ingestion
import TestSupport
import Testing

@testable import BatchPipeline

/// The `input` retry keys reach the fetcher (issue 16 item 23: they were documented nowhere and
/// could not be set).
@Suite struct LoadStageTests {
    @Test func retryKeysAreRead() throws {
        let spec = try PipelineSpec.parse(
            yaml: "input: {retries: 0, retry_backoff: 0.05, max_retry_delay: 2}\n", origin: "p.yaml")
        #expect(spec.input.retries == 0 && spec.input.retryBackoff == 0.05 && spec.input.maxRetryDelay == 2)
        let defaults = try PipelineSpec.parse(yaml: "", origin: "p.yaml")
        #expect(defaults.input.retries == 3 && defaults.input.retryBackoff == 0.5 && defaults.input.maxRetryDelay == 30)
        #expect {
            try PipelineSpec.parse(yaml: "input: {retries: 100}\n", origin: "p.yaml")
        } throws: { "\($0)".contains("p.yaml:1: input.retries: 100 is out of range (0…20)") }
    }

    /// A server that always answers 503 is asked `retries + 1` times.
    @Test(arguments: [0, 2])
    func aFailingURLIsAskedRetriesPlusOneTimes(_ retries: Int) async throws {
        let server = try TestHTTPServer()
        server.route("/busy") { _, c in
            _ = server.increment("busy")
            c.respond(status: 503, reason: "Service Unavailable", body: "down")
        }
        var input = InputSpec()
        input.retries = retries
        input.retryBackoff = 0.01
        input.policy.blockPrivateAddresses = false
        let stage = LoadStage(input: input, concurrency: ConcurrencySpec())
        let url = server.baseURL + "/busy"
        await #expect(throws: PipelineError.self) {
            try await stage.process(DocumentReference(id: url, source: url, location: .url(url)))
        }
        #expect(server.increment("busy") == retries + 2)
    }
}
