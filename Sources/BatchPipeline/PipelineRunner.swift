import Foundation
import Ingestion
import KVCaches
import LanguageModels
import Tokenizers

/// How a run is started: resume, shard, progress, early stop.
public struct RunOptions: Sendable {
    /// What to do with the records already in the output.
    public enum Resume: String, Sendable, CaseIterable {
        /// Start a new output (a file with results is refused unless `overwrite`).
        case off
        /// `--resume`: skip inputs whose ok record still matches the run (same settings, same
        /// question, same input text) and redo the rest; refuse if a record no longer matches.
        case matching
        /// `--resume=changed`: like `matching`, but redo the inputs whose records no longer match.
        case changed
    }

    public var resume = Resume.off
    /// Start a non-empty output file over.
    public var overwrite = false
    public var shard = Shard.all
    public var progress: ProgressReporter.Mode = .quiet
    /// Set it (SIGINT, SIGTERM) to stop starting inputs; those in flight finish and are written.
    public var stop = StopSignal()
    /// Notes for stderr ("cut a torn last line").
    public var log: @Sendable (String) -> Void = { _ in }

    public init() {}
}

/// Runs a pipeline over its inputs: discover, then for every input load → prepare → infer →
/// write, with up to `window` inputs in flight (the I/O stages of later inputs overlap the model
/// work of earlier ones) and the model owned by one `BatchEngine`. Every input yields exactly one
/// line, in input order; see `OutputRecord`.
public final class PipelineRunner: Sendable {
    public let spec: PipelineSpec
    public let options: RunOptions

    public init(spec: PipelineSpec, options: RunOptions = RunOptions()) {
        self.spec = spec
        self.options = options
    }

    /// Inputs in flight at once: enough to keep every batch slot busy with one more input
    /// loading behind each, and bounded so a huge folder is never all in memory.
    public var window: Int { 2 * spec.batchSize + spec.concurrency.extract + 2 }

    public func run() async throws(PipelineError) -> RunSummary {
        let started = Date()
        let shard = options.shard
        let outputPath = spec.outputPath(shard: shard)
        let toStandardOutput = OutputPath.isStandardOutput(outputPath)
        guard !spec.input.paths.isEmpty else {
            throw PipelineError.invalidSpec(
                location: spec.origin, key: "input.paths",
                message: "no inputs: list input.paths in the pipeline or pass --input")
        }
        if toStandardOutput, options.resume != .off {
            throw PipelineError.outputConflict(
                path: "--output -", message: "standard output cannot be resumed: give --output a file")
        }
        // Everything that can refuse the run comes before the model loads (issue 16 item 22).
        try checkInputs(output: outputPath)
        let lock = toStandardOutput ? nil : try claimOutput(outputPath)
        defer { lock?.release() }
        let configHash = try configurationFingerprint()
        let all = try await DiscoverStage(excludedFiles: DiscoverStage.ownFiles(ofOutput: outputPath)).process(spec)
        let mine = all.filter { shard.contains(id: $0.id) }
        var summary = RunSummary(output: outputPath, shard: shard)
        summary.inputs = mine.count
        summary.batchSize = spec.batchSize

        let todo = toStandardOutput ? mine : try await prepareOutput(outputPath, units: mine, configHash: configHash)
        summary.alreadyDone = mine.count - todo.count
        guard !todo.isEmpty else {
            if !toStandardOutput {
                let writer = try JSONLinesWriter(
                    path: outputPath,
                    truncate: options.resume == .off && !FileManager.default.fileExists(atPath: outputPath))
                try writer.close()
            }
            summary.seconds = Date().timeIntervalSince(started)
            summary.peakMemoryBytes = RunSummary.peakMemoryBytes()
            return summary
        }

        // The model stage: loaded once per run.
        let loadStart = Date()
        let loaded = try Self.loadModel(spec)
        summary.modelLoadSeconds = Date().timeIntervalSince(loadStart)
        let maxPromptTokens = try PrepareStage.maxPromptTokens(
            spec, contextLength: loaded.model.configuration.contextLength)
        let engine = BatchEngine(loaded: loaded, batchSize: spec.batchSize)
        engine.start()

        let counters = RunCounters()
        let writer = try WriteStage(
            path: outputPath, truncate: options.resume == .off, onWrite: { counters.record($0) })
        let progress = ProgressReporter(
            mode: options.progress, total: todo.count, counters: counters, engine: { engine.statistics })
        progress.start()

        let builder = PromptBuilder(tokenizer: loaded.tokenizer, chat: loaded.chatTemplate, system: spec.prompt.system)
        let stages = Stages(
            load: LoadStage(input: spec.input, concurrency: spec.concurrency, stop: options.stop),
            prepare: PrepareStage(spec: spec, builder: builder, maxPromptTokens: maxPromptTokens),
            infer: InferStage(
                engine: engine, kv: spec.kv,
                generation: spec.generationSettings(stopTokenIDs: loaded.stopTokenIDs),
                stopStrings: spec.generation.stop),
            write: writer, records: RecordFactory(spec: spec, model: loaded.name), configHash: configHash)
        let fatal = FatalError()
        let window = self.window
        let stop = options.stop
        // On a stop request, prompts not yet in the batch are dropped (their inputs get no line);
        // the sequences in the batch finish and are written. Called on the signal's own queue:
        // a polling task could wait seconds for a cooperative thread while prompts keep joining.
        stop.onRequest { _ in engine.stopAdmitting() }
        await withDiscardingTaskGroup { group in
            for batch in Self.groups(todo) {
                if stop.requested != nil || fatal.error != nil { break }
                await writer.waitUntilWritten(batch.first!.ordinal - window)
                if stop.requested != nil || fatal.error != nil { break }
                group.addTask { await stages.run(batch, fatal: fatal) }
            }
        }
        do {
            try await writer.flushOutOfOrder()
            try await writer.close()
        } catch {
            fatal.set(error)
        }
        engine.shutdown()
        await progress.finish()
        if let error = fatal.error { throw error }

        let c = counters.snapshot
        let e = engine.statistics
        summary.ok = c.ok
        summary.failed = c.failed
        summary.failures = c.failures
        summary.notProcessed = todo.count - c.written
        if summary.notProcessed > 0 { summary.interrupted = stop.requested ?? "stopped" }
        summary.promptTokens = e.promptTokens
        summary.generatedTokens = e.generatedTokens
        summary.prefillSeconds = e.prefillSeconds
        summary.decodeSeconds = e.decodeSeconds
        summary.meanDecodeBatch = e.meanDecodeBatch
        summary.seconds = Date().timeIntervalSince(started)
        summary.peakMemoryBytes = RunSummary.peakMemoryBytes()
        return summary
    }

    /// The pipeline's model with its tokenizer and chat template (the pipeline's custom template,
    /// else the model's own, which prompts need); the KV settings checked against its context.
    static func loadModel(_ spec: PipelineSpec) throws(PipelineError) -> LoadedModel {
        let loaded: LoadedModel
        do {
            loaded = try LoadedModel.load(
                path: try ModelLocator.resolve(spec.model), customChatTemplate: spec.prompt.chatTemplate)
        } catch {
            throw PipelineError.model(error.description)
        }
        guard loaded.chatTemplate != nil else {
            throw PipelineError.model(
                "\(loaded.chatTemplateProblem ?? "no chat template") (set prompt.chat_template to a custom \"{system} … {user}\" template)"
            )
        }
        do {
            try spec.kv.validate(contextLength: loaded.model.configuration.contextLength)
            try spec.kv.validate(headDim: loaded.model.configuration.headDim)
        } catch {
            let key = if case .invalidSetting(let setting, _) = error { "kv." + setting.key } else { "kv" }
            throw PipelineError.invalidSpec(location: spec.origin, key: key, message: error.reason)
        }
        return loaded
    }

    /// Refuses, before anything is loaded, inputs that do not exist (a typo in `--input`) and an
    /// input that is the output itself. URLs (anything with `://`) are left to the loader, which
    /// writes an error record for each one it cannot fetch.
    func checkInputs(output: String) throws(PipelineError) {
        let ownOutput = OutputPath.isStandardOutput(output) ? nil : FolderSource.FileIdentity(path: output)
        for path in spec.input.paths where path != "-" && !path.contains("://") {
            guard let input = FolderSource.FileIdentity(path: path) else {
                throw PipelineError.invalidSpec(location: path, key: "input.paths", message: "no such file or folder")
            }
            if input == ownOutput {
                throw PipelineError.invalidSpec(
                    location: path, key: "input.paths", message: "is this run's output (\(output)), not an input")
            }
        }
    }

    /// Creates the output's folder and takes its lock, so no other run writes it meanwhile.
    func claimOutput(_ path: String) throws(PipelineError) -> OutputLock {
        let folder = OutputPath.folder(of: OutputPath.resolvingLinks(path))
        if !folder.isEmpty {
            do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                throw PipelineError.output(
                    path: folder, message: "cannot create the output folder: \(error.localizedDescription)")
            }
        }
        return try OutputLock.acquire(output: path)
    }

    /// The run's `config_hash`: the spec with the model file's identity (read from its header,
    /// not loaded).
    func configurationFingerprint() throws(PipelineError) -> String {
        let path: String
        do { path = try ModelLocator.resolve(spec.model) } catch { throw PipelineError.model(error.description) }
        return spec.configurationFingerprint(modelIdentity: try ModelIdentity(path: path))
    }

    /// Makes the output ready and returns the units still to do. Without `--resume`, a file with
    /// results is refused unless `--overwrite`. With it, a torn last line is cut; records that no
    /// longer match the run (`ResumeCheck`) refuse the run, or with `--resume=changed` are
    /// dropped and redone; error lines (and unreadable lines) of inputs about to be redone are
    /// dropped, so each id keeps one line. Records of inputs not in this run stay when they were
    /// made with the same settings; otherwise the run is refused, since they cannot be redone and
    /// the file would mix two configurations.
    func prepareOutput(_ path: String, units: [WorkUnit], configHash: String) async throws(PipelineError)
        -> [WorkUnit]
    {
        guard options.resume != .off else {
            if !options.overwrite, let size = try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int,
                size > 0
            {
                throw PipelineError.outputConflict(
                    path: path,
                    message: "already holds results: pass --resume to continue it or --overwrite to start over")
            }
            return units
        }
        let cut = try JSONLinesWriter.repairTornTail(path: path)
        if cut > 0 { options.log("\(path): cut a torn last line (\(cut) bytes) left by an interrupted write") }
        let log = try OutputLog.read(path: path)
        let ids = Set(units.map(\.id))
        let others = log.entries.filter { !ids.contains($0.id) && $0.configHash != configHash }
        if !others.isEmpty {
            let shown = others.prefix(3).map(\.id).joined(separator: ", ") + (others.count > 3 ? ", …" : "")
            throw PipelineError.outputConflict(
                path: path,
                message:
                    "holds \(others.count) record(s) of inputs not in this run, made with other settings (\(shown)); they cannot be redone: choose another --output, or --overwrite to start over"
            )
        }
        var okRecords: [String: OutputLog.Entry] = [:]
        for entry in log.entries where entry.status == .ok && ids.contains(entry.id) { okRecords[entry.id] = entry }
        let check = ResumeCheck(
            configHash: configHash, load: LoadStage(input: spec.input, concurrency: spec.concurrency),
            parallelism: 2 * spec.concurrency.extract)
        let mismatches = await check.mismatches(units: units, okRecords: okRecords, note: options.log)
        if !mismatches.isEmpty {
            guard options.resume == .changed else {
                throw PipelineError.outputConflict(path: path, message: ResumeCheck.refusal(mismatches))
            }
            options.log("\(path): redoing \(ResumeCheck.summary(mismatches))")
        }
        let done = Set(okRecords.keys).subtracting(mismatches.map(\.id))
        // This run's inputs keep only ok lines that still stand; other inputs' lines all stay.
        let kept = log.entries.filter { !ids.contains($0.id) || ($0.status == .ok && done.contains($0.id)) }
        if kept.count != log.entries.count || !log.invalidLines.isEmpty {
            if !log.invalidLines.isEmpty {
                options.log(
                    "\(path): dropping \(log.invalidLines.count) unreadable line(s): \(log.invalidLines.prefix(5).map(String.init).joined(separator: ", "))"
                )
            }
            try OutputLog.rewrite(path: path, lines: kept.map(\.line))
        }
        return units.filter { !done.contains($0.id) }
    }

    /// Units of one document (several when the pipeline lists questions), with their ordinals.
    static func groups(_ units: [WorkUnit]) -> [[(ordinal: Int, unit: WorkUnit)]] {
        var out: [[(ordinal: Int, unit: WorkUnit)]] = []
        for (ordinal, unit) in units.enumerated() {
            if let last = out.last?.last, last.unit.reference == unit.reference, last.unit.problem == nil,
                unit.problem == nil
            {
                out[out.count - 1].append((ordinal, unit))
            } else {
                out.append([(ordinal, unit)])
            }
        }
        return out
    }
}

/// The stages of one run, shared by the input tasks.
struct Stages: Sendable {
    let load: LoadStage
    let prepare: PrepareStage
    let infer: InferStage
    let write: WriteStage
    let records: RecordFactory
    /// The run's `config_hash`, written into every record.
    let configHash: String

    /// One document's units: load once, then prepare and infer each (concurrently, so a
    /// document's questions share batches), then hand each record to the writer.
    func run(_ units: [(ordinal: Int, unit: WorkUnit)], fatal: FatalError) async {
        let first = units[0].unit
        var document: Document?
        var loadError: PipelineError?
        if first.problem == nil {
            do { document = try await load.process(first.reference) } catch { loadError = error }
        }
        let loaded = document
        let failed = loadError
        let contentHash = document?.contentHash
        await withTaskGroup(of: Void.self) { group in
            for (ordinal, unit) in units {
                group.addTask {
                    var record = await self.record(unit, loaded, failed)
                    record.configHash = configHash
                    record.contentHash = contentHash
                    do throws(PipelineError) {
                        if record.errorKind == PipelineError.interruptedKind {
                            try await write.skip(ordinal)
                        } else {
                            try await write.process((ordinal, record))
                        }
                    } catch {
                        fatal.set(error)
                        try? await write.close()
                    }
                }
            }
        }
    }

    func record(_ unit: WorkUnit, _ document: Document?, _ loadError: PipelineError?) async -> OutputRecord {
        if let problem = unit.problem { return records.failure(unit, nil, problem) }
        guard let document else {
            return records.failure(unit, nil, loadError ?? .document(id: unit.id, kind: "load", message: "not loaded"))
        }
        do {
            let prepared = try await prepare.process((unit, document))
            let result = try await infer.process(prepared)
            return records.success(unit, document, result)
        } catch {
            return records.failure(unit, document, error)
        }
    }
}

/// The first error that must end the run (the output cannot be written).
final class FatalError: @unchecked Sendable {
    // @unchecked Sendable: every access goes through `lock`.
    private let lock = NSLock()
    private var stored: PipelineError?

    func set(_ e: PipelineError) {
        lock.lock()
        if stored == nil { stored = e }
        lock.unlock()
    }

    var error: PipelineError? {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}
