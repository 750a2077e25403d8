/// Everything the planner can reject: a malformed catalogue, an unknown name, an impossible workload.
public enum PlannerError: Error, Equatable, CustomStringConvertible {
    case malformedCSV(line: Int, reason: String)
    case missingColumn(String)
    case missingField(chip: String, field: String)
    case invalidNumber(chip: String, field: String, value: String)
    case negativeField(chip: String, field: String, value: Double)
    case missingSource(chip: String, field: String)
    case unknownClass(chip: String, value: String)
    case duplicateChip(String)
    case unknownChip(String, known: [String])
    case unknownClassFilter(String)
    case unknownModel(String, known: [String])
    case unknownPrecision(String)
    case invalidModel(name: String, reason: String)
    case invalidWorkload(String)
    case unreadableModel(path: String, reason: String)

    public var description: String {
        switch self {
        case .malformedCSV(let line, let reason): "hardware catalogue line \(line): \(reason)"
        case .missingColumn(let c): "hardware catalogue has no column '\(c)'"
        case .missingField(let chip, let field): "chip '\(chip)': required field '\(field)' is missing"
        case .invalidNumber(let chip, let field, let value): "chip '\(chip)': field '\(field)' is not a number: '\(value)'"
        case .negativeField(let chip, let field, let value): "chip '\(chip)': field '\(field)' is negative (\(value))"
        case .missingSource(let chip, let field): "chip '\(chip)': field '\(field)' has a value but '\(field)_source' is empty"
        case .unknownClass(let chip, let value):
            "chip '\(chip)': class '\(value)' is not one of \(ChipClass.allCases.map(\.rawValue).joined(separator: ", "))"
        case .duplicateChip(let id): "hardware catalogue lists chip '\(id)' twice"
        case .unknownChip(let id, let known): "unknown chip '\(id)' (known: \(known.joined(separator: ", ")))"
        case .unknownClassFilter(let c): "unknown class '\(c)' (known: \(ChipClass.allCases.map(\.rawValue).joined(separator: ", ")))"
        case .unknownModel(let m, let known): "unknown model '\(m)': not a file and not a preset (\(known.joined(separator: ", ")))"
        case .unknownPrecision(let p): "unknown precision '\(p)' (known: \(Precision.allCases.map(\.rawValue).joined(separator: ", ")))"
        case .invalidModel(let name, let reason): "model '\(name)': \(reason)"
        case .invalidWorkload(let reason): "workload: \(reason)"
        case .unreadableModel(let path, let reason): "\(path): \(reason)"
        }
    }
}
