import ArgumentParser
import Foundation
import GGUF
import Ingestion
import Tokenizers

/// `easykv tokenize`: the token ids of a text under a model's tokenizer, or with `--decode` the
/// text of ids read from stdin.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the token ids of a text, or with --decode the text of ids read from stdin.")

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "The text to tokenize.")
    var text: String?

    @Option(help: "A UTF-8 file to tokenize: a file, a pipe, or - for standard input (at most 16 MiB).")
    var file: String?

    @Flag(help: "Print the ids as one JSON array.")
    var json = false

    @Flag(name: .customLong("no-bos"), help: "Do not add BOS/EOS, even where the model asks for them.")
    var noBOS = false

    @Flag(help: "Read ids (a JSON array or whitespace-separated, at most 16 MiB) from stdin and print their text.")
    var decode = false

    @Flag(help: "With --decode, leave out control tokens such as <|im_end|>.")
    var skipSpecial = false

    func validate() throws {
        if decode {
            guard text == nil, file == nil else {
                throw ValidationError("--decode reads ids from stdin; drop --text/--file")
            }
        } else if (text == nil) == (file == nil) {
            throw ValidationError("give exactly one of --text or --file (or --decode)")
        }
    }

    func run() throws {
        // The input first: a bounded read (issue 16 item 6), and no model loaded for a bad one.
        let input: String
        if decode {
            input = String(decoding: try Self.read("-", flag: "--decode"), as: UTF8.self)
        } else if let file {
            guard let decoded = String(validating: try Self.read(file, flag: "--file"), as: UTF8.self) else {
                throw ValidationError("--file \(file): not valid UTF-8")
            }
            input = decoded
        } else {
            input = text ?? ""
        }
        let path = try modelOptions.resolvedPath()
        let tokenizer: any Tokenizer
        do { tokenizer = try AutoTokenizer.load(from: GGUFFile(path: path)) } catch { throw failure("\(error)") }

        if decode {
            let ids: [Int]
            do { ids = try Self.parseIDs(input, vocabularySize: tokenizer.vocabularySize) } catch {
                throw failure("\(error)")
            }
            FileHandle.standardOutput.write(Data(tokenizer.decode(ids, skipSpecial: skipSpecial).utf8))
            return
        }
        let ids = tokenizer.encode(input, addSpecial: !noBOS, parseSpecial: true)
        let list = ids.map(String.init)
        print(json ? "[" + list.joined(separator: ",") + "]" : list.joined(separator: " "))
        FileHandle.standardError.write(Data("\(ids.count) tokens\n".utf8))
    }

    /// The bytes of `path` (`-`: standard input), at most `BoundedInput.defaultLimit`; an error
    /// names `flag`.
    static func read(_ path: String, flag: String) throws -> [UInt8] {
        do { return try BoundedInput.read(path) } catch { throw ValidationError("\(flag) \(error)") }
    }

    /// Ids from a JSON array or a whitespace/comma-separated list, each inside the vocabulary.
    static func parseIDs(_ input: String, vocabularySize: Int) throws -> [Int] {
        var body = Substring(input.trimmingCharacters(in: .whitespacesAndNewlines))
        if body.first == "[", body.last == "]" { body = body.dropFirst().dropLast() }
        return try body.split(whereSeparator: { $0 == "," || $0.isWhitespace }).map { word in
            guard let id = Int(word) else { throw ValidationError("'\(word)' is not a token id") }
            guard (0..<vocabularySize).contains(id) else {
                throw ValidationError("token id \(id) is outside the vocabulary of \(vocabularySize) tokens")
            }
            return id
        }
    }

    /// Reports `message` on stderr; the caller throws the returned exit code.
    private func failure(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("easykv tokenize: \(message)\n".utf8))
        return ExitCode(1)
    }
}
