import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import RooflinePlanner

struct ChartTests {
    static func results() throws -> (PlanRequest, [PlanResult]) {
        let m = try #require(ModelDescription.preset("llama-3.1-70b"))
        let r = PlanRequest(model: m, precisions: Precisions(weights: .fp8))
        return (r, try Planner().plan(r, on: try Catalogue.builtIn().chips))
    }

    /// Counts elements by name while parsing; nil when the document is not well-formed XML.
    final class Counter: NSObject, XMLParserDelegate {
        var counts: [String: Int] = [:]
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            counts[name, default: 0] += 1
        }
        static func parse(_ text: String) -> [String: Int]? {
            let p = XMLParser(data: Data(text.utf8)), c = Counter()
            p.delegate = c
            return p.parse() ? c.counts : nil
        }
    }

    @Test func svgParsesAsXMLWithOneRoofPerProjectedChip() throws {
        let (r, results) = try Self.results()
        let counts = try #require(Counter.parse(PlanChart.svg(results, request: r)), "SVG is not well-formed XML")
        let roofs = results.filter { $0.chip.memoryBandwidthGBs != nil && $0.chip.peak(for: .fp8) != nil }.count
        #expect(counts["polyline"] == roofs)
        #expect(counts["circle"] == roofs)  // the decode point on each roof
        #expect(roofs > 10)
    }

    @Test func htmlEmbedsChartsAndTable() throws {
        let (r, results) = try Self.results()
        let html = PlanChart.html(results, request: r)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.components(separatedBy: "<svg").count - 1 == 2)
        #expect(html.contains("groq-lpu-v1"))
        #expect(PlanChart.escape("a<b & \"c\"") == "a&lt;b &amp; &quot;c&quot;")
    }
}
