import KubeJSON

/// What kind of service a workload is, guessed from its name and images, and the traffic and cost figures
/// that go with it. ECP-AI deploys a known family of services (callbot, chatbot, advisor, speech-to-text,
/// text-to-speech, text analytics, QA); giving each its own base rate and cost per request is what makes a
/// tenant's dashboard look like a contact centre rather than identical random lines.
public struct ServiceProfile: Sendable, Equatable {
    public var kind: String
    /// Requests per second at the daily peak, for the whole service.
    public var baseRPS: Double
    /// CPU millicores one request per second costs.
    public var milliCPUPerRPS: Double
    /// Resident memory per pod at idle, MiB, when the pod declares no memory request.
    public var idleMemoryMiB: Double
    /// Extra MiB per pod for each request per second it serves (buffers, sessions).
    public var memoryMiBPerRPS: Double
    /// Latency of a request on an idle pod, milliseconds.
    public var baseLatencyMs: Double
    /// Requests per second one GPU serves at 100 % (GPU workloads only).
    public var rpsPerGPU: Double
    /// GPU memory the loaded model holds, MiB per GPU.
    public var gpuModelMiB: Double

    /// The annotation that overrides the guessed base rate (`"250"`, requests per second at peak).
    public static let rpsAnnotation = "simulator.ecp-ai.io/rps"

    public static let callbot = ServiceProfile(kind: "callbot", baseRPS: 40, milliCPUPerRPS: 12, idleMemoryMiB: 256,
                                               memoryMiBPerRPS: 2.0, baseLatencyMs: 180, rpsPerGPU: 50, gpuModelMiB: 4096)
    public static let chatbot = ServiceProfile(kind: "chatbot", baseRPS: 120, milliCPUPerRPS: 4, idleMemoryMiB: 192,
                                               memoryMiBPerRPS: 0.8, baseLatencyMs: 90, rpsPerGPU: 80, gpuModelMiB: 6144)
    public static let advisor = ServiceProfile(kind: "advisor", baseRPS: 30, milliCPUPerRPS: 18, idleMemoryMiB: 384,
                                               memoryMiBPerRPS: 3.0, baseLatencyMs: 250, rpsPerGPU: 40, gpuModelMiB: 8192)
    public static let stt = ServiceProfile(kind: "stt", baseRPS: 25, milliCPUPerRPS: 30, idleMemoryMiB: 512,
                                           memoryMiBPerRPS: 6.0, baseLatencyMs: 300, rpsPerGPU: 32, gpuModelMiB: 6144)
    public static let tts = ServiceProfile(kind: "tts", baseRPS: 30, milliCPUPerRPS: 25, idleMemoryMiB: 384,
                                           memoryMiBPerRPS: 4.0, baseLatencyMs: 200, rpsPerGPU: 36, gpuModelMiB: 4096)
    public static let ta = ServiceProfile(kind: "ta", baseRPS: 60, milliCPUPerRPS: 8, idleMemoryMiB: 320,
                                          memoryMiBPerRPS: 1.5, baseLatencyMs: 120, rpsPerGPU: 60, gpuModelMiB: 3072)
    public static let qa = ServiceProfile(kind: "qa", baseRPS: 20, milliCPUPerRPS: 10, idleMemoryMiB: 256,
                                          memoryMiBPerRPS: 1.0, baseLatencyMs: 150, rpsPerGPU: 40, gpuModelMiB: 2048)
    public static let web = ServiceProfile(kind: "web", baseRPS: 150, milliCPUPerRPS: 1.5, idleMemoryMiB: 64,
                                           memoryMiBPerRPS: 0.2, baseLatencyMs: 25, rpsPerGPU: 1000, gpuModelMiB: 0)
    public static let api = ServiceProfile(kind: "api", baseRPS: 200, milliCPUPerRPS: 2.5, idleMemoryMiB: 128,
                                           memoryMiBPerRPS: 0.3, baseLatencyMs: 45, rpsPerGPU: 1000, gpuModelMiB: 0)
    public static let database = ServiceProfile(kind: "database", baseRPS: 300, milliCPUPerRPS: 0.8, idleMemoryMiB: 512,
                                                memoryMiBPerRPS: 0.5, baseLatencyMs: 4, rpsPerGPU: 1000, gpuModelMiB: 0)
    public static let generic = ServiceProfile(kind: "generic", baseRPS: 50, milliCPUPerRPS: 4, idleMemoryMiB: 128,
                                               memoryMiBPerRPS: 0.5, baseLatencyMs: 80, rpsPerGPU: 50, gpuModelMiB: 2048)

    /// Short names only match a whole token ("ta" in `ecp-ta-worker`, not in `data`); longer ones match
    /// anywhere, so `mycallbot` and `callbot-v2` are both callbots.
    static let tokenRules: [(String, ServiceProfile)] = [("stt", .stt), ("tts", .tts), ("ta", .ta), ("qa", .qa),
                                                         ("asr", .stt), ("nlu", .ta), ("db", .database), ("api", .api),
                                                         ("web", .web), ("ui", .web)]
    static let substringRules: [(String, ServiceProfile)] = [
        ("callbot", .callbot), ("voicebot", .callbot), ("chatbot", .chatbot), ("advisor", .advisor),
        ("speech-to-text", .stt), ("whisper", .stt), ("text-to-speech", .tts), ("analytics", .ta),
        ("postgres", .database), ("mysql", .database), ("redis", .database), ("mongo", .database),
        ("nginx", .web), ("frontend", .web), ("httpd", .web), ("gateway", .api), ("backend", .api),
    ]

    /// The profile of a workload from its name first (the operator's intent), then its images.
    public static func guess(name: String, images: [String]) -> ServiceProfile {
        for text in [name] + images {
            let lowered = text.lowercased()
            for (needle, profile) in substringRules where lowered.contains(needle) { return profile }
            let tokens = Set(lowered.split(whereSeparator: { "-_/:.@ ".contains($0) }).map(String.init))
            for (token, profile) in tokenRules where tokens.contains(token) { return profile }
        }
        return .generic
    }

    /// The profile with the base rate of the `simulator.ecp-ai.io/rps` annotation when it is a valid number.
    public func withAnnotations(_ annotations: JSONObject?) -> ServiceProfile {
        guard let text = annotations?[Self.rpsAnnotation]?.stringValue, let rps = Double(text), rps >= 0,
              rps.isFinite else { return self }
        var copy = self
        copy.baseRPS = rps
        return copy
    }
}
