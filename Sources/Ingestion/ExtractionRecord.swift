/// One line of `easykv extract --json`: `id, source, media_type, title, chars, text` for a
/// document, `id, source, error, error_kind` for a failure. Keys in that order, snake_case.
public enum ExtractionRecord {
    public static func jsonLine(for result: IngestionResult) -> String {
        switch result.result {
        case .success(let document):
            var fields: [(String, JSONValue)] = [
                ("id", .string(document.id)), ("source", .string(document.source)),
                ("media_type", .string(document.mediaType.rawValue)),
                ("title", document.title.map(JSONValue.string) ?? .null), ("chars", .number(document.text.count)),
                ("bytes", .number(document.byteSize)), ("encoding", document.encoding.map(JSONValue.string) ?? .null),
            ]
            if let question = document.question { fields.append(("question", .string(question))) }
            if let fetch = document.fetch {
                fields.append(("final_url", .string(fetch.finalURL)))
                fields.append(("http_status", .number(fetch.status)))
            }
            fields.append(("text", .string(document.text)))
            return object(fields)
        case .failure(let error):
            var fields: [(String, JSONValue)] = [
                ("id", .string(result.reference.id)), ("source", .string(result.reference.source)),
            ]
            if let question = result.reference.question { fields.append(("question", .string(question))) }
            fields.append(("error", .string(error.description)))
            fields.append(("error_kind", .string(error.kind)))
            return object(fields)
        }
    }

    enum JSONValue {
        case string(String)
        case number(Int)
        case null
    }

    static func object(_ fields: [(String, JSONValue)]) -> String {
        var out = "{"
        for (k, (key, value)) in fields.enumerated() {
            if k > 0 { out += "," }
            out += JSONString.quoted(key) + ":"
            switch value {
            case .string(let s): out += JSONString.quoted(s)
            case .number(let n): out += String(n)
            case .null: out += "null"
            }
        }
        return out + "}"
    }
}
