#!/usr/bin/env python3
"""Builds data/hardware.csv from ../shared/reference/silicon.csv (the collected, sourced table).

One-off helper kept for provenance: it copies only the cells the reference supports, gives every number
its own source column, leaves uncertain-precision or guessed cells empty, and marks announced parts.
After editing data/hardware.csv by hand, run scripts/planner/embed_catalogue.py (not this script).
Usage: python3 scripts/planner/make_hardware_csv.py REFERENCE.csv > data/hardware.csv
"""
import csv, sys

NUMERIC = ["memory_gb", "memory_bw_gbs", "sram_mb", "sram_bw_gbs", "bf16_tflops", "fp8_tflops", "fp4_tflops",
           "int8_tops", "int4_tops", "tdp_w", "interconnect_gbs", "unit_chips", "price_usd_hour"]
REF_COLUMN = {"bf16_tflops": "bf16_tflops_dense", "fp8_tflops": "fp8_tflops_dense", "fp4_tflops": "fp4_tflops_dense",
              "int8_tops": "int8_tops_dense", "int4_tops": "int4_tops_dense"}
HEADER = ["id", "vendor", "name", "class", "status", "memory_type"]
for n in NUMERIC:
    HEADER += [n, n + "_source"]
HEADER += ["price_date", "deployment_unit", "notes"]

NV_H100 = "nvidia.com/en-us/data-center/h100/ datasheet (sparse tensor rates halved to dense; checked 2026-11-26 against copies of the table)"
NV_H200 = "nvidia.com/en-us/data-center/h200/ datasheet (sparse tensor rates halved to dense)"
NV_BW = "NVIDIA Blackwell datasheet resources.nvidia.com/en-us-blackwell-architecture/datasheet (sparse halved)"
NV_BU = "NVIDIA Blackwell Ultra datasheet resources.nvidia.com/en-us-blackwell-architecture/blackwell-ultra-datasheet"
SILY = "tgarg01/silybench-data derived/cost.json (provider pricing pages)"
HF_PRICE = "HF Inference Endpoints pricing doc (huggingface/hf-endpoints-documentation docs/source/support/pricing.md)"

# Per chip: default source for spec numbers, overrides per field, unit size, price source/date, status, notes.
CHIPS = {
    "nvidia-h100-sxm": dict(src=NV_H100, sram_mb="NVIDIA H100 Tensor Core GPU Architecture whitepaper (50 MB L2)",
        unit=8, unit_src="HGX/DGX H100 8-GPU NVLink domain (NVIDIA)", unit_text="4/8-GPU HGX H100, DGX H100 (8)",
        price_src="Lambda 8x H100 SXM on-demand per GPU (lambda.ai/pricing) via " + SILY, price_date="2026-09-25"),
    "nvidia-h200-sxm": dict(src=NV_H200, sram_mb="NVIDIA Hopper architecture whitepaper (50 MB L2, same die as H100)",
        unit=8, unit_src="HGX H200 8-GPU board (NVIDIA)", unit_text="4/8-GPU HGX H200",
        price_src="Nebius HGX H200 on-demand (nebius.com/prices) via " + SILY, price_date="2026-09-25"),
    "nvidia-b200-hgx": dict(src=NV_BW + "; HGX B200 datasheet", unit=8, unit_src="HGX B200 8-GPU board (NVIDIA)",
        unit_text="8-GPU HGX/DGX B200", price_src="Lambda 1x B200 on-demand (lambda.ai/pricing) via " + SILY,
        price_date="2026-09-25"),
    "nvidia-gb200-nvl72": dict(src=NV_BW + "; nvidia.com/en-us/data-center/gb200-nvl72/", unit=72,
        unit_src="nvidia.com/en-us/data-center/gb200-nvl72/ (72 GPUs in one NVLink domain)",
        unit_text="GB200 NVL72 rack (72 GPUs + 36 Grace)",
        price_src="DERIVED: Spheron $9.08/h per GB200 superchip (2 GPUs) / 2 (spheron.network/blog/nvidia-h200-vs-b200-vs-gb200)",
        price_date="2026-03-17", notes="Per-GPU figures. TDP is the datasheet's 'up to' value."),
    "nvidia-b300-hgx": dict(src=NV_BU + "; HGX B300 datasheet", unit=8, unit_src="HGX B300 8-GPU board (NVIDIA)",
        unit_text="8-GPU HGX B300", drop=["int8_tops"],
        notes="FP4 dense 14 PF as printed by NVIDIA. INT8 left empty (printed figure's sparsity unclear)."),
    "nvidia-gb300-nvl72": dict(src=NV_BU, unit=72, unit_src="GB300 NVL72 rack (NVIDIA)", unit_text="GB300 NVL72 rack",
        drop=["int8_tops"], notes="Per-GPU figures. INT8 left empty (printed figure's sparsity unclear)."),
    "nvidia-rubin-vr200": dict(status="announced",
        src="ANNOUNCED: nvidianews.nvidia.com/news/rubin-platform-ai-supercomputer (CES 2026); nvidia.com/en-us/data-center/vera-rubin-nvl72/",
        unit=72, unit_src="ANNOUNCED: Vera Rubin NVL72 (nvidia.com/en-us/data-center/vera-rubin-nvl72/)",
        unit_text="Vera Rubin NVL72 rack (announced)",
        notes="ANNOUNCED figures, not shipping. FP4 35 PF is NVIDIA's training NVFP4 figure (50 PF inference uses adaptive compression); read as dense-equivalent: UNCERTAIN."),
    "nvidia-l4": dict(src="nvidia.com/en-us/data-center/l4/ datasheet (sparse halved)", unit=1,
        unit_src="single-slot PCIe card (NVIDIA L4 datasheet)", unit_text="1-slot PCIe card",
        interconnect_gbs="PCIe Gen4 x16 bidirectional (L4 datasheet); no NVLink",
        price_src="HF Endpoints on GCP nvidia-l4 x1: " + HF_PRICE + "; date of the doc not recorded", price_date=""),
    "nvidia-rtx-4090": dict(src="NVIDIA Ada GPU Architecture whitepaper (RTX 4090 column, FP32-accumulate rates)",
        unit=1, unit_src="consumer PCIe card", unit_text="consumer card",
        interconnect_gbs="PCIe Gen4 x16 bidirectional; no NVLink",
        price_src="RunPod Community Cloud (runpod.io/pricing) via " + SILY, price_date="2026-09-25"),
    "google-tpu-v5e": dict(src="docs.cloud.google.com/tpu/docs/v5e",
        memory_bw_gbs="docs.cloud.google.com/tpu/docs/v5e ('16 GB, 819 GBps'; another version of the page prints 800 GiBps)", int4_tops="jax-ml/jax jax/_src/pallas/mosaic/tpu_info.py (commit 4f32df24)",
        sram_mb="jax-ml/jax tpu_info.py (128 MiB VMEM)", unit=8, unit_src="docs.cloud.google.com/tpu/docs/v5e (8 chips per host; pods of 256)",
        unit_text="8 chips/host; pod 256 (2D torus)",
        price_src="cloud.google.com/tpu/pricing on-demand per chip-hour as quoted by third parties; region and date not stated",
        price_date=""),
    "google-tpu-v6e": dict(src="docs.cloud.google.com/tpu/docs/v6e", values={"memory_bw_gbs": "1638"},
        memory_bw_gbs="docs.cloud.google.com/tpu/docs/v6e (checked 2026-11-26: 1638 GBps; the reference table's 1640 is rounded)", int4_tops="jax-ml/jax jax/_src/pallas/mosaic/tpu_info.py (commit 4f32df24)",
        fp8_tflops="docs.cloud.google.com/tpu/docs/tpu7x comparison table (v6e FP8 = BF16 rate)",
        sram_mb="jax-ml/jax tpu_info.py (VMEM)", unit=8, unit_src="docs.cloud.google.com/tpu/docs/v6e (8 chips per host; pods of 256)",
        unit_text="8 chips/host; pod 256",
        price_src="cloud.google.com/tpu/pricing on-demand per chip-hour as quoted by third parties; date not stated",
        price_date=""),
    "google-tpu7x-ironwood": dict(src="docs.cloud.google.com/tpu/docs/tpu7x; docs.cloud.google.com/tpu/docs/ironwood-performance",
        sram_mb="jax-ml/jax tpu_info.py (2x64 MiB VMEM)", unit=4, unit_src="docs.cloud.google.com/tpu/docs/tpu7x (4-chip VM)",
        unit_text="4-chip VM; pods of 256 or 9,216", notes="Memory printed as 192 GiB in Google's doc; kept as 192."),
    "aws-inferentia2": dict(src="awsdocs-neuron.readthedocs-hosted.com/en/latest/general/arch/neuron-hardware/inferentia2.html",
        sram_mb="aws-neuron/aws-neuron-sdk nki/guides/architecture/trainium_inferentia2_arch.rst (2x24 MiB SBUF)",
        interconnect_gbs="awsdocs-neuron inf2-arch.html (NeuronLink-v2 192 GiB/s per chip)",
        unit=12, unit_src="awsdocs-neuron inf2-arch.html (inf2.48xlarge: 12 chips)", unit_text="inf2.xlarge (1) ... inf2.48xlarge (12)",
        price_src="HF Endpoints on AWS inf2 x1 (1 chip): " + HF_PRICE + "; date of the doc not recorded", price_date="",
        notes="AWS prints GiB and GiB/s; kept as printed. BF16 and FP8 (cFP8) at the same rate."),
    "aws-trainium2": dict(src="aws-neuron/aws-neuron-sdk about-neuron/arch/neuron-hardware/trainium2.rst", unit=16,
        unit_src="trainium2.rst (trn2.48xlarge: 16 chips)", unit_text="trn2.48xlarge (16), UltraServer (64)"),
    "groq-lpu-v1": dict(src="Groq LPU figures as reported by TechPowerUp (Feb 2024)",
        memory_gb="TechPowerUp (Feb 2024): 230 MB on-chip SRAM; ISCA 2022 Abts et al.: 220 MiB per TSP",
        interconnect_gbs="Linley Newsletter 'Groq Gets Connected' (2020-11-10): 16 C2C links x4 lanes x30 Gbps",
        unit=8, unit_src="GroqNode: 8 GroqCards (Groq product literature as reported by TechPowerUp)",
        unit_text="GroqCard (1) -> GroqNode (8) -> GroqRack",
        notes="SRAM only: the weight tier IS the SRAM, so large models need hundreds of chips. bf16 column holds FP16 (Groq lists FP16). TDP unpublished (~300 W secondary): left empty."),
    "sambanova-sn40l": dict(src="Prabhakar et al. arXiv:2405.07518; SambaNova Hot Chips 2024 slides",
        memory_bw_gbs="DERIVED from Hot Chips 2024 16-socket figure (25.6 TB/s HBM / 16): UNCERTAIN",
        unit=16, unit_src="docs.sambanova.ai SambaRack SN40L-16 overview (16 RDUs)", unit_text="SambaRack SN40L-16",
        notes="Weight tier = 64 GB HBM3 per socket; also 520 MB SRAM and up to 1.5 TB DDR5 (not modelled)."),
    "cerebras-wse3": dict(src="Cerebras WSE-3 announcement (cerebras.ai, 2024-03-13)",
        interconnect_gbs="CS-3 system I/O 1.2 Tb/s (12x100 GbE) as quoted secondary: UNCERTAIN",
        unit=1, unit_src="one wafer per CS-3 system", unit_text="CS-3 system",
        notes="One wafer = one chip. No dense compute figure published (125 PF is sparse FP16 per secondary sources): compute left empty."),
    "apple-m4": dict(src="Apple Newsroom 'Apple introduces M4 chip' (2024-05-07) as reported by MacRumors/Engadget",
        memory_gb="Apple Mac mini announcement (2024-10-29): up to 32 GB", drop=["int8_tops"], unit=1,
        unit_src="single SoC", unit_text="iPad Pro / Mac mini / MacBook Pro / iMac",
        notes="Neural Engine 38 TOPS has no stated precision: left empty. Apple publishes no GPU TFLOPS or TDP."),
    "apple-m4-max": dict(src="Apple M4 Pro/M4 Max announcement (2024-10-30) as reported by MacRumors/TechCrunch",
        drop=["int8_tops"], unit=1, unit_src="single SoC", unit_text="MacBook Pro / Mac Studio",
        notes="40-core GPU part. NE TOPS not stated for M4 Max: left empty. No GPU TFLOPS or TDP published."),
    "hailo-10h": dict(src="The Register 'Hailo's latest AI chip' (2024-04-10): 40 TOPS INT4 = 20 TOPS INT8",
        memory_gb="awesomeagents.ai/hardware/hailo-10h; hardware-corner.net AI HAT+ 2 review (4 or 8 GB LPDDR4/4X)",
        tdp_w="awesomeagents.ai/hardware/hailo-10h (2.5 W typical)", unit=1, unit_src="M.2 module",
        unit_text="M.2 module; Raspberry Pi AI HAT+ 2",
        notes="DRAM bandwidth unpublished: left empty, so decode speed cannot be projected."),
    "amd-epyc-9654-genoa": dict(src="AMD EPYC 9004 launch (2022-11-10) via WikiChip amd/cores/genoa",
        memory_bw_gbs="12 ch x DDR5-4800 x 8 B = 460.8 GB/s (AMD 9654 spec; ggml-org/llama.cpp issue #6434 measures ~460)",
        memory_gb="DERIVED: 12 ch x 2 DIMM x 256 GB (secondary): UNCERTAIN",
        sram_mb="AMD 9654 spec (384 MB L3)", unit=1, unit_src="one socket", unit_text="1-2 socket server",
        notes="AMD publishes no FLOPS: compute left empty (derived AVX-512 figures not used)."),
}

def main():
    ref = {r["id"]: r for r in csv.DictReader(open(sys.argv[1], newline=""))}
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(HEADER)
    for cid, c in CHIPS.items():
        r = ref[cid]
        row = {"id": cid, "vendor": r["vendor"], "name": r["name"], "class": r["class"],
               "status": c.get("status", "shipping"), "memory_type": r["memory_type"],
               "price_date": c.get("price_date", ""), "deployment_unit": c["unit_text"], "notes": c.get("notes", "")}
        for n in NUMERIC:
            if n == "unit_chips":
                row[n], row[n + "_source"] = str(c["unit"]), c["unit_src"]
                continue
            if n == "price_usd_hour":
                v = r["price_usd_hour"] if c.get("price_src") else ""
                row[n], row[n + "_source"] = v, c.get("price_src", "") if v else ""
                continue
            v = c.get("values", {}).get(n, r[REF_COLUMN.get(n, n)])
            if n in c.get("drop", []):
                v = ""
            row[n] = v
            row[n + "_source"] = (c.get(n) or c["src"]) if v else ""
        out.writerow([row[h] for h in HEADER])

main()
