import Foundation
import Testing
import RooflinePlanner

/// Data-parallel replicas on the toy chip and tiny model of `WorkloadTests`, worked by hand.
struct ReplicaTests {
    static func request(_ w: Workload, chips: Int, replicas: Replicas) -> PlanRequest {
        var r = WorkloadTests.request(w, batch: .fixed(3))
        r.chips = chips
        r.replicas = replicas
        return r
    }

    @Test func replicasAddTheirThroughputAndKeepOneReplicasLatency() throws {
        // Each of 2 replicas is one toy chip serving the offline case of WorkloadTests: batch 3, 18.576 µs a step.
        let w = Workload(prompt: 4, output: 2, scenario: .offline)
        let two = try WorkloadTests.plan(Self.request(w, chips: 2, replicas: .count(2)))
        #expect(two.replicas == 2 && two.totalChips == 2 && two.deployment.chips == 1 && two.batch == 3)
        #expect(abs((two.aggregateTokensPerS ?? 0) - 6 / 18.576e-6) < 1e-3)
        #expect(abs((two.requestsPerS ?? 0) - 3 / 18.576e-6) < 1e-3)
        #expect(abs((two.tpotS ?? 0) - 18.576e-6) < 1e-12)
        // Energy and cost per token are one replica's: 1 chip × 10 W over 3 / 18.576 µs tokens per second.
        #expect(abs((two.joulesPerToken ?? 0) - 10 * 18.576e-6 / 3) < 1e-12)
        let object = PlanReport.object(two)
        #expect(object["chips"] as? Int == 2 && object["replicas"] as? Int == 2)
        #expect(two.notes.first?.contains("2 data-parallel replicas of 1 chip(s)") == true)
    }

    @Test func autoTakesTheSplitThatServesTheScenarioBest() throws {
        let w = Workload(prompt: 4, output: 2, scenario: .offline)
        let auto = try WorkloadTests.plan(Self.request(w, chips: 2, replicas: .auto))
        let one = try WorkloadTests.plan(Self.request(w, chips: 2, replicas: .count(1)))
        let two = try WorkloadTests.plan(Self.request(w, chips: 2, replicas: .count(2)))
        // Tensor parallelism over the toy link adds all-reduces to every step; two replicas add none.
        #expect((two.aggregateTokensPerS ?? 0) > (one.aggregateTokensPerS ?? 0))
        #expect(auto.replicas == 2 && auto.aggregateTokensPerS == two.aggregateTokensPerS)
        // One user gains nothing from a second replica: auto keeps the deployment that is fastest per user.
        let single = Workload(prompt: 4, output: 2, scenario: .single)
        let user = try WorkloadTests.plan(Self.request(single, chips: 2, replicas: .auto))
        let users = [1, 2].map { n in (try? WorkloadTests.plan(Self.request(single, chips: 2, replicas: .count(n))))?.decodeTokensPerSPerUser ?? 0 }
        #expect(user.decodeTokensPerSPerUser == users.max())
    }

    @Test func oneDeploymentSaysWhenReplicasWouldServeMore() throws {
        // Two toy chips as one TP 2 group, offline: two replicas serve 6 / 18.576 µs tokens/s, more than the group.
        let w = Workload(prompt: 4, output: 2, scenario: .offline)
        let one = try WorkloadTests.plan(Self.request(w, chips: 2, replicas: .count(1)))
        #expect(one.replicas == 1 && one.deployment.tensorParallel == 2)
        let expected = String(format: "2 data-parallel replicas of 1 chip(s) would serve %.0f output tokens/s (--replicas auto)", 6 / 18.576e-6)
        #expect(one.notes.contains(expected), "\(one.notes)")
        // A single user is not served better by replicas, and is not told so.
        let single = try WorkloadTests.plan(Self.request(Workload(prompt: 4, output: 2, scenario: .single), chips: 2, replicas: .count(1)))
        #expect(!single.notes.contains { $0.contains("would serve") })
    }

    @Test func replicasThatCannotSplitTheChipsAreRefused() throws {
        let w = Workload(prompt: 4, output: 2, scenario: .offline)
        #expect(throws: PlannerError.invalidWorkload("3 chips do not split evenly into 2 replicas")) {
            try Planner().plan(Self.request(w, chips: 3, replicas: .count(2)), on: [PlannerTests.toyChip()])
        }
        var noChips = Self.request(w, chips: 1, replicas: .count(2))
        noChips.chips = nil
        #expect(throws: PlannerError.invalidWorkload("2 replicas need --chips, the chips they share")) {
            try Planner().plan(noChips, on: [PlannerTests.toyChip()])
        }
        // A replica too small for the model does not fit, and says so.
        let cramped = try WorkloadTests.plan(Self.request(w, chips: 2, replicas: .count(2)), chip: PlannerTests.toyChip(memoryGB: 2.8e-6))
        #expect(!cramped.fits && cramped.bound == .capacity)
    }

    @Test func validationRowsCarryTheirReplicas() throws {
        let header = "id,model,precision,kv_precision,hardware,chips,batch,context,prompt,output,metric,published,planner,error_bound,fitted,source_url,source_date,notes,replicas"
        let rows = try ValidationCase.load(csv: header + "\n1,llama-3.1-8b,bf16,bf16,aws-inferentia2,12,32,0,1500,180,offline,929,1,0.35,no,u,d,n,3\n")
        let r = try #require(rows.first)
        #expect(r.replicas == 3 && r.request(CountTests.tiny).replicas == .count(3))
        #expect(throws: PlannerError.invalidNumber(chip: "validation row 1", field: "replicas", value: "0")) {
            try ValidationCase.load(csv: header + "\n1,llama-3.1-8b,bf16,bf16,aws-inferentia2,12,32,0,1500,180,offline,929,1,0.35,no,u,d,n,0\n")
        }
    }
}
