import Foundation

extension FuzzTarget {
    /// The files at `paths` (files, or folders read recursively, hidden files skipped), sorted by path.
    public static func corpusFiles(_ paths: [String]) -> [String] {
        var out: [String] = []
        for p in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir) else { continue }
            guard isDir.boolValue else { out.append(p); continue }
            let e = FileManager.default.enumerator(atPath: p)
            while let rel = e?.nextObject() as? String {
                guard !rel.split(separator: "/").contains(where: { $0.hasPrefix(".") }) else { continue }
                let full = (p as NSString).appendingPathComponent(rel)
                if FileManager.default.fileExists(atPath: full, isDirectory: &isDir), !isDir.boolValue { out.append(full) }
            }
        }
        return out.sorted()
    }

    /// Runs every file of `paths` through the target; returns how many ran. A crash stops the process, as it
    /// would under libFuzzer; `each` hears of every file before it runs, so the culprit is the last one named.
    @discardableResult
    public func replay(_ paths: [String], each: (String) -> Void = { _ in }) throws -> Int {
        let files = Self.corpusFiles(paths)
        for f in files {
            each(f)
            run(Array(try Data(contentsOf: URL(fileURLWithPath: f))))
        }
        return files.count
    }
}
