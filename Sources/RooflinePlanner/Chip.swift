/// The five classes of inference silicon in the catalogue.
public enum ChipClass: String, CaseIterable, Sendable {
    case gpu, asic, lpu, edge, cpu
}

/// One catalogue row: a chip's memory tiers, dense peaks, power, link and price.
///
/// `memoryGB`/`memoryBandwidthGBs` describe the tier that holds the weights: HBM/DRAM, or the on-chip
/// SRAM itself for SRAM-only parts (Groq, Cerebras). Unknown figures are `nil`, never guessed.
public struct Chip: Sendable, Equatable {
    public var id: String
    public var vendor: String
    public var name: String
    public var chipClass: ChipClass
    /// True for announced, not yet shipping parts (figures preliminary).
    public var announced: Bool
    public var memoryGB: Double
    public var memoryBandwidthGBs: Double?
    public var sramMB: Double?
    public var sramBandwidthGBs: Double?
    /// Dense peak per format, in TFLOPS (float) or TOPS (integer).
    public var peakTFLOPS: [ComputeFormat: Double]
    public var tdpW: Double?
    /// Chip-to-chip scale-up bandwidth, GB/s, bidirectional total as vendors print it.
    public var interconnectGBs: Double?
    /// Chips in one scale-up domain (NVLink domain, host, node): the widest tensor-parallel group.
    public var unitChips: Int?
    public var priceUSDPerHour: Double?
    public var priceDate: String?
    public var deploymentUnit: String
    /// Fractions of peak compute and bandwidth measured for this chip (a calibrated row); nil means the class's assumption.
    public var computeEfficiency: Double?
    public var memoryEfficiency: Double?
    /// Fixed time per layer and step measured or fitted for this chip; nil means the class's assumption.
    public var layerOverheadS: Double?
    /// Weight bytes per layer (per tensor-parallel chip) at which `layerOverheadS` holds; when set, a layer holding
    /// w bytes pays `layerOverheadS · √(w / this)` (a wafer whose layers' partial sums cross the region holding them).
    public var layerOverheadReferenceBytes: Double?
    /// Fixed time per step, whatever the layers, measured or fitted for this chip's serving stack (a whole-model
    /// compiled graph launched once per step, its inputs and sampled tokens crossing to and from the host); nil: none.
    public var stepOverheadS: Double?
    /// Fraction of the printed link rate that collectives reach on this chip (protocol overhead); nil means all of it.
    public var linkEfficiency: Double?
    /// The catalogue's description of the memory tiers (e.g. "SRAM 520 MB + HBM3 64 GB + DDR5 up to 1.5 TB").
    public var memoryType = ""

    public init(id: String, vendor: String, name: String, chipClass: ChipClass, announced: Bool, memoryGB: Double,
                memoryBandwidthGBs: Double?, sramMB: Double?, sramBandwidthGBs: Double?, peakTFLOPS: [ComputeFormat: Double],
                tdpW: Double?, interconnectGBs: Double?, unitChips: Int?, priceUSDPerHour: Double?, priceDate: String?,
                deploymentUnit: String, computeEfficiency: Double? = nil, memoryEfficiency: Double? = nil,
                layerOverheadS: Double? = nil, linkEfficiency: Double? = nil) {
        self.id = id
        self.vendor = vendor
        self.name = name
        self.chipClass = chipClass
        self.announced = announced
        self.memoryGB = memoryGB
        self.memoryBandwidthGBs = memoryBandwidthGBs
        self.sramMB = sramMB
        self.sramBandwidthGBs = sramBandwidthGBs
        self.peakTFLOPS = peakTFLOPS
        self.tdpW = tdpW
        self.interconnectGBs = interconnectGBs
        self.unitChips = unitChips
        self.priceUSDPerHour = priceUSDPerHour
        self.priceDate = priceDate
        self.deploymentUnit = deploymentUnit
        self.computeEfficiency = computeEfficiency
        self.memoryEfficiency = memoryEfficiency
        self.layerOverheadS = layerOverheadS
        self.linkEfficiency = linkEfficiency
    }

    /// The peak used for weights stored at `precision`, and the format it was taken from.
    public func peak(for precision: Precision) -> (format: ComputeFormat, tflops: Double)? {
        for f in precision.computeFormats {
            if let v = peakTFLOPS[f], v > 0 { return (f, v) }
        }
        return nil
    }
}
