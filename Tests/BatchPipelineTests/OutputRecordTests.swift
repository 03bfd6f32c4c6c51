import Foundation
import KVCaches
import Testing

@testable import BatchPipeline

@Suite struct OutputRecordTests {
    static func sample(status: OutputRecord.Status = .ok) -> OutputRecord {
        OutputRecord(
            id: "dir/a \"b\".txt", index: 3, source: "in/dir/a \"b\".txt", title: "Tab\there", task: "answer",
            question: "Why?\nReally?", output: status == .ok ? "Line 1\nLine 2 \u{2028} \u{1}" : nil, status: status,
            error: status == .ok ? nil : "in/x: no text found", errorKind: status == .ok ? nil : "empty_document",
            model: "m.gguf", kvMode: "encoding", policy: "roco", budget: .fraction(0.5), stride: 512,
            kvType: "q8_0/q4_0",
            promptTokens: 1200, kvTokensKept: 700, generatedTokens: 42, stopReason: "eos", longDocuments: "map_reduce",
            truncated: false, chunks: 3, levels: 2, configHash: "c0ffee", contentHash: status == .ok ? "beef" : nil,
            timings: .init(fetch: 0.123456, extract: 0.01, prefill: 1.5, decode: 2.25))
    }

    @Test func keysInSchemaOrder() {
        let line = Self.sample().jsonLine
        let keys = [
            "id", "index", "source", "title", "task", "question", "output", "status", "model", "kv_mode", "policy",
            "budget",
            "stride", "kv_type", "prompt_tokens", "kv_tokens_kept", "generated_tokens", "stop_reason", "long_documents",
            "truncated",
            "chunks", "levels", "config_hash", "content_hash", "timings", "schema_version",
        ]
        var last = line.startIndex
        for key in keys {
            guard let r = line.range(of: "\"\(key)\":", range: last..<line.endIndex) else {
                Issue.record("\(key) missing or out of order in \(line)")
                return
            }
            last = r.upperBound
        }
        #expect(!line.contains("\"error\""))
        #expect(line.contains(#""budget":0.5,"stride":512,"kv_type":"q8_0/q4_0","prompt_tokens""#))
        #expect(line.contains(#""levels":2,"config_hash":"c0ffee","content_hash":"beef","timings""#))
        #expect(
            line.contains(#""timings":{"fetch":0.1235,"extract":0.01,"prefill":1.5,"decode":2.25},"schema_version":1}"#)
        )
    }

    @Test func oneLineValidJSONRoundTrip() throws {
        for status in [OutputRecord.Status.ok, .error] {
            var record = Self.sample(status: status)
            let line = record.jsonLine
            #expect(!line.contains("\n"))
            #expect(line.contains("\\u2028") || status == .error)
            let decoded = try JSONDecoder().decode(OutputRecord.self, from: Data(line.utf8))
            record.timings.fetch = 0.1235  // written with four decimals
            #expect(decoded == record)
        }
    }

    @Test func errorRecordsCarryErrorAndKind() throws {
        let line = Self.sample(status: .error).jsonLine
        #expect(
            line.contains(
                #""output":null,"status":"error","error":"in/x: no text found","error_kind":"empty_document""#))
        #expect(line.contains(#""config_hash":"c0ffee","content_hash":null"#))
    }

    /// Lines written before the hashes were recorded still decode (`easykv merge`, tests).
    @Test func linesWithoutHashesDecode() throws {
        var record = Self.sample()
        record.configHash = nil
        record.contentHash = nil
        record.kvType = nil
        record.timings = .init()
        let old = record.jsonLine.replacingOccurrences(of: #","config_hash":null,"content_hash":null"#, with: "")
        #expect(!old.contains("hash") && !old.contains("kv_type"))
        #expect(try JSONDecoder().decode(OutputRecord.self, from: Data(old.utf8)) == record)
    }

    /// A fraction keeps its decimal point (1.0 is the whole prompt, 1 is one token); the full
    /// cache has no budget.
    @Test func budgetsKeepTheirKind() throws {
        var r = Self.sample()
        r.budget = .tokens(300)
        #expect(r.jsonLine.contains(#""budget":300,"#))
        #expect(try JSONDecoder().decode(OutputRecord.self, from: Data(r.jsonLine.utf8)).budget == .tokens(300))
        r.budget = .fraction(1)
        #expect(r.jsonLine.contains(#""budget":1.0,"#))
        r.budget = .tokens(1)
        #expect(r.jsonLine.contains(#""budget":1,"#))
        r.budget = nil
        #expect(r.jsonLine.contains(#""budget":null,"#))
        #expect(try JSONDecoder().decode(OutputRecord.self, from: Data(r.jsonLine.utf8)).budget == nil)
    }
}
