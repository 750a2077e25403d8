import Foundation

/// Projects a model and workload onto chips: capacity, deployment size, roofline times and the outputs of issue 6.
public struct Planner: Sendable {
    public init() {}

    /// One result per chip, in the order given.
    public func plan(_ request: PlanRequest, on chips: [Chip]) throws(PlannerError) -> [PlanResult] {
        try request.validate()
        return chips.map { plan(request, on: $0) }
    }

    /// Usable bytes on `chips` chips of `chip`.
    func capacityBytes(_ chip: Chip, chips: Int, _ e: Efficiency) -> Double {
        Double(chips) * chip.memoryGB * 1e9 * e.usableMemory
    }

    /// The fewest chips whose usable memory holds weights plus the KV cache of `batch` sequences; nil if no
    /// number of chips does (a chip with no memory figure).
    public func fewestChips(_ r: PlanRequest, chip: Chip, batch: Int) -> Int? {
        let perChip = capacityBytes(chip, chips: 1, r.efficiency.of(chip))
        guard perChip > 0 else { return nil }
        let need = r.model.residentBytes(batch: batch, context: r.context, precisions: r.precisions)
        let n = (need / perChip).rounded(.up)
        return n < 1e9 ? max(Int(n), 1) : nil
    }

    /// The largest batch whose KV cache fits beside the weights on `chips` chips.
    public func largestBatch(_ r: PlanRequest, chip: Chip, chips: Int) -> Int {
        let free = capacityBytes(chip, chips: chips, r.efficiency.of(chip))
            - r.model.weightBytes(r.precisions.weights)
        let perSequence = Double(r.context) * r.model.kvBytesPerToken(r.precisions.kvCache)
        guard free > 0, perSequence > 0 else { return 0 }
        return Int(min((free / perSequence).rounded(.down), 1e9))
    }

    /// What a chip does with weights in a format it lists no rate for: it keeps their size and computes wider.
    func formatNotes(_ w: Precision, chip: Chip) -> [String] {
        guard let natural = w.computeFormats.first, chip.peakTFLOPS[natural] == nil else { return [] }
        let narrow: Set<ComputeFormat> = [.fp8, .fp4]
        if narrow.contains(natural) && chip.peakTFLOPS[.fp8] == nil && chip.peakTFLOPS[.fp4] == nil {
            let wider = chip.peak(for: w)?.format.rawValue ?? "a wider format"
            return ["no \(natural.rawValue.uppercased()) units listed: \(w.rawValue) weights keep their \(w.bytesPerElement) bytes each in memory and are converted to \(wider) to compute, so they speed decode by their size only"]
        }
        guard let f = chip.peak(for: w)?.format else { return [] }
        return ["no \(natural.rawValue) rate listed: \(w.rawValue) weights are stored as such and computed at the \(f.rawValue) rate"]
    }

    /// One deployment of `r.chips` chips (or the fewest that hold the model).
    func planDeployment(_ r: PlanRequest, on chip: Chip) -> PlanResult {
        let e = r.efficiency.of(chip)
        // With a workload an explicit batch is the engine's cap, not a size the deployment must hold.
        let sizing: Int = if case .fixed(let b) = r.batch, r.workload == nil { b } else { 1 }
        var notes: [String] = []
        if chip.announced { notes.append("announced figures, not shipping") }
        let n = r.chips ?? fewestChips(r, chip: chip, batch: sizing) ?? 1
        let dep = Deployment(chips: n, unitChips: chip.unitChips, layers: r.model.layers)
        let maxBatch = largestBatch(r, chip: chip, chips: n)
        var batch: Int = if case .fixed(let b) = r.batch { b } else { max(maxBatch, 1) }
        var fits = maxBatch >= sizing
        if n > 1 && (chip.interconnectGBs ?? 0) <= 0 {
            if n <= (chip.unitChips ?? 1) {
                notes.append("chip-to-chip link rate unpublished: only its latency is counted across the \(n) chips")
            } else {
                fits = false
                notes.append(chip.unitChips ?? 1 > 1
                    ? "no published link beyond its \(chip.unitChips ?? 1)-chip unit: cannot span \(n) chips"
                    : "no chip-to-chip link in the catalogue: a single-chip part cannot span \(n) chips")
            }
        }
        let available = capacityBytes(chip, chips: n, e) / 1e9
        var result = PlanResult(
            chip: chip, deployment: dep, batch: batch, maxBatch: maxBatch, fits: fits, bound: .capacity,
            memoryNeededGB: r.model.residentBytes(batch: batch, context: r.context, precisions: r.precisions) / 1e9,
            memoryAvailableGB: available, computeFormat: chip.peak(for: r.precisions.weights)?.format,
            decodeIntensity: r.model.decodeStep(batch: batch, context: r.context, precisions: r.precisions).intensity, notes: notes)
        guard fits else {
            if maxBatch < sizing {
                result.notes.append(String(format: "needs %.1f GB, %d chip(s) give %.1f GB usable", result.memoryNeededGB, n, available))
            }
            return result
        }
        guard chip.memoryBandwidthGBs != nil else {
            result.bound = .unknown
            result.notes.append("memory bandwidth not in the catalogue: speed not projected")
            return result
        }
        if chip.peak(for: r.precisions.weights) == nil {
            // Weights in SRAM stream so fast that compute sets the speed; without a peak there is nothing to project.
            if chip.chipClass == .lpu && chip.layerOverheadS == nil {
                result.bound = .unknown
                result.notes.append("SRAM-resident weights: compute sets the speed, and the catalogue has no dense peak for \(r.precisions.weights.rawValue)")
                return result
            }
            result.notes.append(chip.chipClass == .lpu
                ? "no dense peak in the catalogue: the step is SRAM streaming plus the chip's per-layer latency and its links, no TTFT"
                : "no dense peak for \(r.precisions.weights.rawValue) in the catalogue: speeds are the memory roof (an upper bound), no TTFT")
        }
        result.notes += formatNotes(r.precisions.weights, chip: chip)
        if chip.memoryType.contains("+") {
            result.notes.append(String(format: "memory tiers %@: the weights (%.1f GB per chip) stream from the %.0f GB-per-chip tier the catalogue lists",
                                       chip.memoryType, r.model.weightBytes(r.precisions.weights) / 1e9 / Double(n), chip.memoryGB))
        }
        if let w = r.workload {
            return applying(w, r, chip: chip, deployment: dep, efficiency: e, maxBatch: maxBatch, to: result)
        }
        func decode(_ b: Int) -> PhaseTime? {
            dep.time(r.model.decodeStep(batch: b, context: r.context, precisions: r.precisions), on: chip, model: r.model,
                     precisions: r.precisions, efficiency: e)
        }
        if let target = r.targetTokensPerS {
            // Per-user speed falls as the batch grows (step time never shrinks), so search for the last batch meeting it.
            var lo = 0, hi = batch
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if let t = decode(mid), 1 / t.totalS >= target { lo = mid } else { hi = mid - 1 }
            }
            result.meetsTarget = lo >= 1
            if lo < 1 { result.notes.append(String(format: "misses the %.1f tok/s/user target even at batch 1", target)) }
            batch = max(lo, 1)
            result.batch = batch
            result.memoryNeededGB = r.model.residentBytes(batch: batch, context: r.context, precisions: r.precisions) / 1e9
            result.decodeIntensity = r.model.decodeStep(batch: batch, context: r.context, precisions: r.precisions).intensity
        }
        guard let step = decode(batch) else { return result }
        result.decodeTime = step
        result.bound = step.bound
        result.decodeTokensPerSPerUser = 1 / step.totalS
        result.aggregateTokensPerS = Double(batch) / step.totalS
        let secondsPerToken = step.totalS / Double(batch)
        result.joulesPerToken = chip.tdpW.map { Double(n) * $0 * secondsPerToken }
        result.usdPerMillionTokens = chip.priceUSDPerHour.map { Double(n) * $0 / 3600 * secondsPerToken * 1e6 }
        if let pre = dep.time(r.model.prefill(prompt: r.prompt, precisions: r.precisions), on: chip, model: r.model,
                              precisions: r.precisions, efficiency: e), pre.computeS != nil {
            result.ttftS = pre.totalS
        }
        return result
    }
}
