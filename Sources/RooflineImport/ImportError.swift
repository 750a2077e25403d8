import RooflineGGUF

/// Why a Hugging Face checkpoint folder could not be imported; each case names the file and what is wrong.
public enum ImportError: Error, CustomStringConvertible {
    case missingFile(String)
    case invalidJSON(file: String, reason: String)
    case missingKey(file: String, key: String)
    case unsupported(file: String, what: String)
    case inconsistent(String)
    case weights(SafetensorsError)
    case write(GGUFError)

    public var description: String {
        switch self {
        case .missingFile(let f): "\(f) is missing (a Hugging Face checkpoint folder needs config.json, *.safetensors and tokenizer.json)"
        case .invalidJSON(let f, let r): "\(f): \(r)"
        case .missingKey(let f, let k): "\(f): the key '\(k)' is missing"
        case .unsupported(let f, let w): "\(f): \(w) is not supported yet"
        case .inconsistent(let m): m
        case .weights(let e): e.description
        case .write(let e): e.description
        }
    }
}

/// Reads a JSON object file.
func readJSONObject(_ path: String) throws(ImportError) -> [String: Any] {
    guard FileManager.default.fileExists(atPath: path) else { throw .missingFile(path) }
    let data: Data
    do { data = try readRegularFile(path, maxBytes: 256 << 20) } catch { throw .invalidJSON(file: path, reason: error.reason) }
    let obj: Any
    do { obj = try JSONSerialization.jsonObject(with: data) } catch { throw .invalidJSON(file: path, reason: "not valid JSON") }
    guard let dict = obj as? [String: Any] else { throw .invalidJSON(file: path, reason: "not a JSON object") }
    return dict
}

import Foundation
