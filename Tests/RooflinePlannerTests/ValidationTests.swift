import Foundation
import Testing
import RooflinePlanner

/// The validation table of docs/planner.md, recomputed: if the model changes, this fails until
/// data/validation.csv (and the doc's table, from `roofline plan --validate data/validation.csv`) are updated.
struct ValidationTests {
    static let fileURL = CatalogueTests.fileURL.deletingLastPathComponent().appendingPathComponent("validation.csv")

    @Test func projectionsMatchTheRecordedTableAndStayWithinTheirBounds() throws {
        let cases = try ValidationCase.load(csv: try String(contentsOf: Self.fileURL, encoding: .utf8))
        #expect(cases.filter { !$0.fitted }.count >= 8)
        let cat = try Catalogue.builtIn()
        for c in cases {
            let p = try #require(try c.project(cat), "row \(c.id): no projection")
            #expect(abs(p - c.recordedProjection) / c.recordedProjection < 0.01, "row \(c.id): planner now gives \(p), table says \(c.recordedProjection)")
            #expect(abs(c.error(p)) <= c.errorBound, "row \(c.id): error \(c.error(p)) over its bound \(c.errorBound)")
        }
    }

    @Test func aMalformedRowIsAnErrorNamingIt() {
        let header = "id,model,precision,kv_precision,hardware,chips,batch,context,prompt,output,metric,published,planner,error_bound,fitted,source_url,source_date,notes"
        #expect(throws: PlannerError.invalidNumber(chip: "validation row 7", field: "published", value: "-3")) {
            try ValidationCase.load(csv: header + "\n7,llama-2-7b,fp16,fp16,groq-lpu-v1,0,1,2048,0,0,per_user,-3,1,1,no,u,d,n\n")
        }
        #expect(throws: PlannerError.missingSource(chip: "validation row 8", field: "published")) {
            try ValidationCase.load(csv: header + "\n8,llama-2-7b,fp16,fp16,groq-lpu-v1,0,1,2048,0,0,per_user,3,1,1,no,,d,n\n")
        }
    }

    /// SRAM-only deployments: many chips, and per-user speed set by chip-to-chip steps, not by SRAM bandwidth.
    @Test func groqSeventyBIsInterconnectBoundNearItsPublishedSpeed() throws {
        let m = try #require(ModelDescription.preset("llama-2-70b"))
        let groq = try Catalogue.builtIn().chip("groq-lpu-v1")
        let r = try #require(try Planner().plan(PlanRequest(model: m, precisions: Precisions(weights: .fp16, kvCache: .fp16), context: 4096), on: [groq]).first)
        #expect(r.deployment.chips > 500 && r.bound == .interconnect)
        let t = try #require(r.decodeTime)
        #expect(t.interconnectS > 5 * max(t.memoryS, t.computeS ?? 0))
        #expect((250...350).contains(r.decodeTokensPerSPerUser ?? 0))
    }
}
