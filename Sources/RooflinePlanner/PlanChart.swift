import Foundation

/// SVG charts of a plan: the roofline (one roof per chip, the workload's decode and prefill points on it)
/// and a bar chart of per-user and aggregate decode speed. Plain SVG 1.1, readable in any browser.
public enum PlanChart {
    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                          "#bcbd22", "#17becf"]
    // Axis ranges (log10): arithmetic intensity 0.1…10⁴ FLOP/byte, attainable 0.01…10⁵ TFLOPS per chip.
    static let xRange = (-1.0, 4.0), yRange = (-2.0, 5.0)
    static let plot = (x: 70.0, y: 30.0, w: 560.0, h: 360.0)

    public static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func px(_ intensity: Double) -> Double {
        plot.x + (log10(intensity) - xRange.0) / (xRange.1 - xRange.0) * plot.w
    }

    static func py(_ tflops: Double) -> Double {
        let l = min(max(log10(max(tflops, 1e-12)), yRange.0), yRange.1)
        return plot.y + plot.h - (l - yRange.0) / (yRange.1 - yRange.0) * plot.h
    }

    /// The roofline chart: per chip, attainable = min(peak·eff, bandwidth·eff·intensity) in TFLOPS.
    public static func roofline(_ results: [PlanResult], request: PlanRequest) -> String {
        var s = """
        <svg xmlns="http://www.w3.org/2000/svg" width="860" height="440" font-family="sans-serif" font-size="11">
        <text x="\(plot.x)" y="18" font-size="13">Roofline: \(escape(request.model.name)), weights \(request.precisions.weights.rawValue) (● decode step, ■ prefill)</text>
        <rect x="\(plot.x)" y="\(plot.y)" width="\(plot.w)" height="\(plot.h)" fill="none" stroke="#444"/>\n
        """
        for d in Int(xRange.0)...Int(xRange.1) {
            let x = px(pow(10, Double(d)))
            s += "<line x1=\"\(x)\" y1=\"\(plot.y)\" x2=\"\(x)\" y2=\"\(plot.y + plot.h)\" stroke=\"#ddd\"/>"
            s += "<text x=\"\(x)\" y=\"\(plot.y + plot.h + 14)\" text-anchor=\"middle\">1e\(d)</text>\n"
        }
        for d in Int(yRange.0)...Int(yRange.1) {
            let y = py(pow(10, Double(d)))
            s += "<line x1=\"\(plot.x)\" y1=\"\(y)\" x2=\"\(plot.x + plot.w)\" y2=\"\(y)\" stroke=\"#ddd\"/>"
            s += "<text x=\"\(plot.x - 6)\" y=\"\(y + 4)\" text-anchor=\"end\">1e\(d)</text>\n"
        }
        s += "<text x=\"\(plot.x + plot.w / 2)\" y=\"\(plot.y + plot.h + 30)\" text-anchor=\"middle\">arithmetic intensity (FLOP/byte)</text>\n"
        s += "<text x=\"16\" y=\"\(plot.y + plot.h / 2)\" transform=\"rotate(-90 16 \(plot.y + plot.h / 2))\" text-anchor=\"middle\">attainable TFLOPS per chip</text>\n"
        let prefillIntensity = request.model.prefill(prompt: request.prompt, precisions: request.precisions).intensity
        var legendY = plot.y + 6
        for (i, r) in results.enumerated() {
            guard let bw = r.chip.memoryBandwidthGBs, let peak = r.chip.peak(for: request.precisions.weights) else { continue }
            let e = request.efficiency.of(r.chip)
            let top = peak.tflops * e.compute, slope = bw * e.memory / 1e3  // TFLOPS per FLOP/byte
            let color = palette[i % palette.count]
            let ridge = top / slope
            let x0 = pow(10, xRange.0), x1 = pow(10, xRange.1)
            s += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\" points=\""
            s += "\(px(x0)),\(py(slope * x0)) \(px(min(max(ridge, x0), x1))),\(py(min(slope * min(max(ridge, x0), x1), top))) \(px(x1)),\(py(top))\"/>\n"
            for (intensity, square) in [(r.decodeIntensity, false), (prefillIntensity, true)] where intensity > 0 {
                let x = px(min(max(intensity, x0), x1)), y = py(min(top, slope * intensity))
                s += square ? "<rect x=\"\(x - 3.5)\" y=\"\(y - 3.5)\" width=\"7\" height=\"7\" fill=\"\(color)\"/>\n"
                            : "<circle cx=\"\(x)\" cy=\"\(y)\" r=\"4\" fill=\"\(color)\"/>\n"
            }
            s += "<text x=\"\(plot.x + plot.w + 12)\" y=\"\(legendY + 4)\" fill=\"\(color)\">\(escape(r.chip.id))\(r.chip.announced ? " (announced)" : "")</text>\n"
            legendY += 15
        }
        return s + "</svg>\n"
    }

    /// Horizontal bars of decode tokens/s per user (and aggregate in the label) for the cases that fit.
    public static func bars(_ results: [PlanResult]) -> String {
        let shown = results.filter { $0.decodeTokensPerSPerUser != nil }
        let maxV = shown.compactMap(\.decodeTokensPerSPerUser).max() ?? 1
        let height = 40 + 18 * max(shown.count, 1)
        var s = """
        <svg xmlns="http://www.w3.org/2000/svg" width="860" height="\(height)" font-family="sans-serif" font-size="11">
        <text x="10" y="18" font-size="13">Decode tokens/s per user (label: chips, batch, aggregate tokens/s, bound)</text>\n
        """
        for (i, r) in shown.enumerated() {
            let v = r.decodeTokensPerSPerUser ?? 0, y = 30 + 18 * Double(i)
            let w = max(1, v / maxV * 420)
            s += "<text x=\"170\" y=\"\(y + 11)\" text-anchor=\"end\">\(escape(r.chip.id))</text>"
            s += "<rect x=\"176\" y=\"\(y)\" width=\"\(w)\" height=\"13\" fill=\"\(palette[i % palette.count])\"/>"
            s += String(format: "<text x=\"%.1f\" y=\"%.1f\">%.1f (%d chips, batch %d, %.0f total, %@)</text>\n",
                        182 + w, y + 11, v, r.totalChips, r.batch, r.aggregateTokensPerS ?? 0, r.bound.rawValue)
        }
        return s + "</svg>\n"
    }

    /// One SVG document holding both charts, the roofline above the bars.
    public static func svg(_ results: [PlanResult], request: PlanRequest) -> String {
        let barsHeight = 40 + 18 * max(results.filter { $0.decodeTokensPerSPerUser != nil }.count, 1)
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"860\" height=\"\(440 + barsHeight)\">\n"
            + roofline(results, request: request) + "<svg y=\"440\">\n" + bars(results) + "</svg>\n</svg>\n"
    }

    /// A self-contained HTML page: both charts and the result table.
    public static func html(_ results: [PlanResult], request: PlanRequest) -> String {
        """
        <!DOCTYPE html>
        <html><head><meta charset="utf-8"><title>roofline plan: \(escape(request.model.name))</title></head>
        <body style="font-family:sans-serif">
        \(roofline(results, request: request))
        \(bars(results))
        <pre>\(escape(PlanReport.table(results, request: request)))</pre>
        </body></html>\n
        """
    }
}
