/// One line of `easykv extract --json`: `id, source, media_type, title, chars, text` for a
/// document, `id, source, error, error_kind` for a failure. Keys in that order, snake_case.
public enum ExtractionRecord {
    public static func jsonLine(for result: IngestionResult) -> String {
        switch result.result {
        case .success(let document):
            var fields: [(String, JSONText)] = [
                ("id", .string(document.id)), ("source", .string(document.source)),
                ("media_type", .string(document.mediaType.rawValue)),
                ("title", document.title.map(JSONText.string) ?? .null), ("chars", .int(document.text.count)),
                ("bytes", .int(document.byteSize)), ("encoding", document.encoding.map(JSONText.string) ?? .null),
            ]
            if let question = document.question { fields.append(("question", .string(question))) }
            if let fetch = document.fetch {
                fields.append(("final_url", .string(fetch.finalURL)))
                fields.append(("http_status", .int(fetch.status)))
            }
            fields.append(("text", .string(document.text)))
            return JSONText.object(fields).serialized
        case .failure(let error):
            var fields: [(String, JSONText)] = [
                ("id", .string(result.reference.id)), ("source", .string(result.reference.source)),
            ]
            if let question = result.reference.question { fields.append(("question", .string(question))) }
            fields.append(("error", .string(error.description)))
            fields.append(("error_kind", .string(error.kind)))
            return JSONText.object(fields).serialized
        }
    }
}
