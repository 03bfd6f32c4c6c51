import Ingestion

/// What `--resume` may keep of an existing output (issue 16 item 14): a finished record stands
/// only if it was made with this run's configuration (`config_hash`), for the same question, and
/// from an input that still extracts to the same text (`content_hash`). Inputs are read again for
/// that (URLs fetched again) — before the model loads, and only for inputs that have a record.
struct ResumeCheck: Sendable {
    /// Why a finished record no longer stands.
    enum Reason: Int, Sendable, CaseIterable {
        /// Its `config_hash` differs: another task, prompt, model, generation, kv, chunking,
        /// `long_documents` or `map_reduce` setting.
        case settings
        /// It has no `config_hash` (written by an easykv that did not record one).
        case unrecorded
        /// Its question is not the one this run asks for its id.
        case question
        /// Its input now extracts to other text.
        case content

        var text: String {
            switch self {
            case .settings:
                return
                    "made with other settings (task, prompts, model, generation, kv, chunking, long_documents or map_reduce)"
            case .unrecorded: return "without a config_hash (written by an older easykv)"
            case .question: return "for another question"
            case .content: return "whose input changed"
            }
        }
    }

    struct Mismatch: Sendable, Equatable {
        var id: String
        var reason: Reason
    }

    /// The run's `config_hash`.
    let configHash: String
    let load: LoadStage
    /// Inputs loaded at once while checking contents.
    let parallelism: Int

    /// The finished (`ok`) records of `units` that no longer stand, in unit order. `okRecords` is
    /// the last ok entry of each id. An input that cannot be read now keeps its record (its
    /// content is unknown, not known to differ); `note` says so.
    func mismatches(
        units: [WorkUnit], okRecords: [String: OutputLog.Entry], note: @Sendable (String) -> Void
    ) async -> [Mismatch] {
        var found: [String: Reason] = [:]
        var toRead: [WorkUnit] = []
        for unit in units {
            guard let record = okRecords[unit.id] else { continue }
            if record.configHash == nil {
                found[unit.id] = .unrecorded
            } else if record.configHash != configHash {
                found[unit.id] = .settings
            } else if record.question != unit.question {
                found[unit.id] = .question
            } else {
                toRead.append(unit)
            }
        }
        let hashes = await contentHashes(Array(Set(toRead.map(\.reference))), note: note)
        for unit in toRead {
            guard let hash = hashes[unit.reference] else { continue }
            if hash != okRecords[unit.id]?.contentHash { found[unit.id] = .content }
        }
        return units.compactMap { unit in found[unit.id].map { Mismatch(id: unit.id, reason: $0) } }
    }

    /// The content hash of each reference that loads, `parallelism` at a time.
    private func contentHashes(_ references: [DocumentReference], note: @Sendable (String) -> Void) async
        -> [DocumentReference: String]
    {
        let load = self.load
        var hashes: [DocumentReference: String] = [:]
        await withTaskGroup(of: (DocumentReference, Result<String, PipelineError>).self) { group in
            var next = 0
            func launch() {
                guard next < references.count else { return }
                let reference = references[next]
                next += 1
                group.addTask {
                    do throws(PipelineError) {
                        return (reference, .success(try await load.process(reference).contentHash))
                    } catch {
                        return (reference, .failure(error))
                    }
                }
            }
            for _ in 0..<max(1, parallelism) { launch() }
            while let (reference, result) = await group.next() {
                switch result {
                case .success(let hash): hashes[reference] = hash
                case .failure(let error):
                    note("\(error.description): cannot read it again to check its content; its record is kept")
                }
                launch()
            }
        }
        return hashes
    }

    /// The refusal of a plain `--resume` when records no longer stand.
    static func refusal(_ mismatches: [Mismatch]) -> String {
        "\(mismatches.count) finished record(s) no longer match this run: \(summary(mismatches)); pass --resume=changed to redo them, or --overwrite to start over"
    }

    /// `2 made with other settings (…) (a.txt, b.txt), 1 whose input changed (c.txt)`.
    static func summary(_ mismatches: [Mismatch]) -> String {
        Reason.allCases.compactMap { reason -> String? in
            let ids = mismatches.filter { $0.reason == reason }.map(\.id)
            guard !ids.isEmpty else { return nil }
            let shown = ids.prefix(3).joined(separator: ", ") + (ids.count > 3 ? ", …" : "")
            return "\(ids.count) \(reason.text) (\(shown))"
        }.joined(separator: ", ")
    }
}
