import Foundation
import Ingestion
import KVCaches
import LanguageModels
import Tokenizers

/// How a run is started: resume, shard, progress, early stop.
public struct RunOptions: Sendable {
    /// Skip ids already in the output with status ok; redo the rest.
    public var resume = false
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
        guard !spec.input.paths.isEmpty else {
            throw PipelineError.invalidSpec(
                location: spec.origin, key: "input.paths",
                message: "no inputs: list input.paths in the pipeline or pass --input")
        }
        let all = try await DiscoverStage().process(spec)
        let mine = all.filter { shard.contains(id: $0.id) }
        var summary = RunSummary(output: outputPath, shard: shard)
        summary.inputs = mine.count
        summary.batchSize = spec.batchSize

        let todo = try prepareOutput(outputPath, units: mine)
        summary.alreadyDone = mine.count - todo.count
        guard !todo.isEmpty else {
            let writer = try JSONLinesWriter(
                path: outputPath, truncate: !options.resume && !FileManager.default.fileExists(atPath: outputPath))
            try writer.close()
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
        let writer = try WriteStage(path: outputPath, truncate: !options.resume, onWrite: { counters.record($0) })
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
            write: writer, records: RecordFactory(spec: spec, model: loaded.name))
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
        do { try spec.kv.validate(contextLength: loaded.model.configuration.contextLength) } catch {
            let key = if case .invalidSetting(let setting, _) = error { "kv." + setting.key } else { "kv" }
            throw PipelineError.invalidSpec(location: spec.origin, key: key, message: error.reason)
        }
        return loaded
    }

    /// Makes the output ready and returns the units still to do. Without `--resume`, a file with
    /// results is refused unless `--overwrite`. With it, a torn last line is cut, and error lines
    /// (and unreadable lines) of inputs about to be redone are dropped, so each id keeps one line.
    func prepareOutput(_ path: String, units: [WorkUnit]) throws(PipelineError) -> [WorkUnit] {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                throw PipelineError.output(
                    path: folder, message: "cannot create the output folder: \(error.localizedDescription)")
            }
        }
        guard options.resume else {
            if !options.overwrite, let size = try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int,
                size > 0
            {
                throw PipelineError.output(
                    path: path,
                    message: "already holds results: pass --resume to continue it or --overwrite to start over")
            }
            return units
        }
        let cut = try JSONLinesWriter.repairTornTail(path: path)
        if cut > 0 { options.log("\(path): cut a torn last line (\(cut) bytes) left by an interrupted write") }
        let log = try OutputLog.read(path: path)
        let done = log.completedIDs
        let redo = Set(units.lazy.map(\.id).filter { !done.contains($0) })
        // Error lines go when their id is redone now or already has an ok line.
        let kept = log.entries.filter { $0.status == .ok || (!redo.contains($0.id) && !done.contains($0.id)) }
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
        await withTaskGroup(of: Void.self) { group in
            for (ordinal, unit) in units {
                group.addTask {
                    let record = await self.record(unit, loaded, failed)
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
