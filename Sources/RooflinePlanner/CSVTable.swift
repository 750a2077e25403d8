/// A minimal RFC 4180 CSV reader: quoted fields, doubled quotes, commas and newlines inside quotes.
public struct CSVTable {
    /// Column names from the first record.
    public let header: [String]
    /// Data records with the line number each starts on (1-based, header is line 1).
    public let rows: [(line: Int, fields: [String])]

    public init(text: String) throws(PlannerError) {
        var records: [(Int, [String])] = []
        var field = "", fields: [String] = []
        var inQuotes = false, line = 1, recordLine = 1, pendingQuote = false
        func endRecord() {
            fields.append(field)
            field = ""
            if !(fields.count == 1 && fields[0].isEmpty) { records.append((recordLine, fields)) }
            fields = []
        }
        for ch in text {
            if inQuotes {
                if pendingQuote {
                    pendingQuote = false
                    if ch == "\"" { field.append("\""); continue }
                    inQuotes = false
                } else if ch == "\"" { pendingQuote = true; continue } else {
                    if ch == "\n" || ch == "\r\n" { line += 1 }
                    field.append(ch)
                    continue
                }
            }
            switch ch {
            case "\"" where field.isEmpty: inQuotes = true
            case ",": fields.append(field); field = ""
            case "\n", "\r\n", "\r":
                endRecord()
                line += 1
                recordLine = line
            default: field.append(ch)
            }
        }
        if inQuotes && !pendingQuote { throw .malformedCSV(line: recordLine, reason: "unterminated quoted field") }
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        guard let first = records.first else { throw .malformedCSV(line: 1, reason: "empty file") }
        header = first.1.map { $0.trimmingSpaces }
        rows = records.dropFirst().map { (line: $0.0, fields: $0.1) }
        for r in rows where r.fields.count != header.count {
            throw .malformedCSV(line: r.line, reason: "\(r.fields.count) fields, header has \(header.count)")
        }
    }
}

extension CSVTable {
    /// One field as RFC 4180 writes it: quoted (quotes doubled) when it holds a comma, quote or line break.
    public static func quote(_ s: String) -> String {
        s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
