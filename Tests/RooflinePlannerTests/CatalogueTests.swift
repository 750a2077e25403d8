import Foundation
import Testing
import RooflinePlanner

struct CatalogueTests {
    static let fileURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("data/hardware.csv")

    @Test func embeddedCopyEqualsTheFile() throws {
        let file = try String(contentsOf: Self.fileURL, encoding: .utf8)
        #expect(file == DefaultCatalogue.csv, "run scripts/planner/embed_catalogue.py after editing data/hardware.csv")
    }

    @Test func builtInHasTheIssuesChips() throws {
        let cat = try Catalogue.builtIn()
        for id in ["nvidia-h100-sxm", "nvidia-h200-sxm", "nvidia-b200-hgx", "nvidia-gb200-nvl72", "nvidia-rubin-vr200", "nvidia-l4",
                   "google-tpu-v5e", "google-tpu-v6e", "aws-inferentia2", "groq-lpu-v1", "sambanova-sn40l", "apple-m4",
                   "hailo-10h", "amd-epyc-9654-genoa"] {
            #expect(throws: Never.self) { try cat.chip(id) }
        }
        let h100 = try cat.chip("nvidia-h100-sxm")
        #expect(h100.memoryGB == 80 && h100.memoryBandwidthGBs == 3350 && h100.peakTFLOPS[.bf16] == 989.5)
        #expect(try cat.chip("nvidia-rubin-vr200").announced)
        #expect(try !cat.chip("nvidia-h100-sxm").announced)
        #expect(try cat.chip("groq-lpu-v1").chipClass == .lpu)
    }

    /// The built-in CSV with one cell of one chip's row replaced.
    static func editing(_ chip: String, _ column: String, to value: String) throws -> String {
        let text = try String(contentsOf: fileURL, encoding: .utf8)
        let table = try CSVTable(text: text)
        let col = try #require(table.header.firstIndex(of: column))
        var out = [table.header.joined(separator: ",")]
        for row in table.rows {
            var f = row.fields
            if f[0] == chip { f[col] = value }
            out.append(f.map { $0.contains(",") || $0.contains("\"") ? "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : $0 }
                .joined(separator: ","))
        }
        return out.joined(separator: "\n") + "\n"
    }

    @Test func rewrittenCatalogueRoundTrips() throws {
        let same = try Catalogue(csv: try Self.editing("nvidia-l4", "memory_gb", to: "24"))
        #expect(try same.chip("nvidia-l4") == Catalogue.builtIn().chip("nvidia-l4"))
    }

    @Test func negativeFieldNamesChipAndField() throws {
        let csv = try Self.editing("nvidia-h100-sxm", "memory_bw_gbs", to: "-3350")
        #expect(throws: PlannerError.negativeField(chip: "nvidia-h100-sxm", field: "memory_bw_gbs", value: -3350)) { try Catalogue(csv: csv) }
        #expect(PlannerError.negativeField(chip: "nvidia-h100-sxm", field: "memory_bw_gbs", value: -3350).description
            == "chip 'nvidia-h100-sxm': field 'memory_bw_gbs' is negative (-3350.0)")
    }

    @Test func missingRequiredFieldNamesChipAndField() throws {
        let csv = try Self.editing("google-tpu-v6e", "memory_gb", to: "")
        #expect(throws: PlannerError.missingField(chip: "google-tpu-v6e", field: "memory_gb")) { try Catalogue(csv: csv) }
        #expect("\(PlannerError.missingField(chip: "google-tpu-v6e", field: "memory_gb"))".contains("google-tpu-v6e"))
    }

    @Test func valueWithoutSourceIsAnError() throws {
        let csv = try Self.editing("nvidia-l4", "tdp_w_source", to: "")
        #expect(throws: PlannerError.missingSource(chip: "nvidia-l4", field: "tdp_w")) { try Catalogue(csv: csv) }
    }

    @Test func badNumberAndClassAreErrors() throws {
        #expect(throws: PlannerError.invalidNumber(chip: "nvidia-l4", field: "tdp_w", value: "72W")) {
            try Catalogue(csv: try Self.editing("nvidia-l4", "tdp_w", to: "72W"))
        }
        #expect(throws: PlannerError.unknownClass(chip: "nvidia-l4", value: "tpu")) {
            try Catalogue(csv: try Self.editing("nvidia-l4", "class", to: "tpu"))
        }
    }

    /// A chip's link fraction (MI300X: usable xGMI rate) is a sourced fraction in (0, 1] and slows its collectives.
    @Test func linkEfficiencyIsASourcedFractionThatSlowsCollectives() throws {
        let mi = try Catalogue.builtIn().chip("amd-mi300x")
        #expect(mi.linkEfficiency == 0.75)
        #expect(throws: PlannerError.invalidNumber(chip: "amd-mi300x", field: "link_efficiency", value: "1.5")) {
            try Catalogue(csv: try Self.editing("amd-mi300x", "link_efficiency", to: "1.5"))
        }
        #expect(throws: PlannerError.missingSource(chip: "amd-mi300x", field: "link_efficiency")) {
            try Catalogue(csv: try Self.editing("amd-mi300x", "link_efficiency_source", to: ""))
        }
        // Only the bandwidth term of an all-reduce scales: with no latency, 8 chips take exactly 1/0.75 as long.
        var fullRate = mi
        fullRate.linkEfficiency = nil
        let m = CountTests.tiny, p = Precisions(weights: .bf16), dep = Deployment(chips: 8, unitChips: 8, layers: m.layers)
        var e = EfficiencyTable().of(mi)
        e.collectiveLatencyS = 0
        var full = EfficiencyTable().of(fullRate)
        full.collectiveLatencyS = 0
        let slow = dep.interconnectTime(tokens: 64, chip: mi, model: m, precisions: p, efficiency: e)
        let fast = dep.interconnectTime(tokens: 64, chip: fullRate, model: m, precisions: p, efficiency: full)
        #expect(fast > 0 && abs(slow / fast - 1 / 0.75) < 1e-12)
    }

    @Test func missingColumnAndDuplicateIdAreErrors() throws {
        #expect(throws: PlannerError.missingColumn("memory_gb")) { try Catalogue(csv: "id,vendor,name,class,status\n") }
        let text = try String(contentsOf: Self.fileURL, encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(throws: PlannerError.duplicateChip("nvidia-h100-sxm")) {
            try Catalogue(csv: [lines[0], lines[1], lines[1]].joined(separator: "\n"))
        }
    }

    @Test func userChipsMergeOverBuiltIns() throws {
        let header = try String(contentsOf: Self.fileURL, encoding: .utf8).split(separator: "\n")[0]
        let cols = header.split(separator: ",").map(String.init)
        var cells = Array(repeating: "", count: cols.count)
        func set(_ c: String, _ v: String) { if let i = cols.firstIndex(of: c) { cells[i] = v } }
        set("id", "my-box"); set("vendor", "Me"); set("name", "My box"); set("class", "cpu"); set("status", "shipping")
        set("memory_gb", "64"); set("memory_gb_source", "measured"); set("memory_bw_gbs", "50"); set("memory_bw_gbs_source", "measured")
        let mine = try Catalogue(csv: header + "\n" + cells.joined(separator: ",") + "\n")
        let merged = try Catalogue.builtIn().merging(mine)
        #expect(try merged.chip("my-box").memoryBandwidthGBs == 50)
        #expect(merged.chips.count == (try Catalogue.builtIn().chips.count) + 1)
    }

    @Test func csvReaderHandlesQuotes() throws {
        let t = try CSVTable(text: "a,b,c\n\"x, y\",\"he said \"\"hi\"\"\",\n")
        #expect(t.rows.count == 1)
        #expect(t.rows[0].fields == ["x, y", "he said \"hi\"", ""])
        #expect(throws: PlannerError.malformedCSV(line: 2, reason: "2 fields, header has 3")) { try CSVTable(text: "a,b,c\n1,2\n") }
    }
}
