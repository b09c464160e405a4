import KubeJSON

/// Message texts and small calculations the simulated kubelet shares with upstream's wording, so that
/// `kubectl describe pod` and `kubectl get events` read as on a real node.
enum KubeletFormat {
    /// Go's `time.Duration.String()`: "352ms", "1.234s", "1m20s", "5m0s", "1h0m0s".
    static func goDuration(_ seconds: Double) -> String {
        var nanos = Int64((seconds * 1_000_000_000).rounded())
        if nanos == 0 { return "0s" }
        let negative = nanos < 0
        if negative { nanos = -nanos }
        var out: String
        if nanos < 1_000_000_000 {
            // Below a second Go picks the largest unit that keeps an integer part: ns, µs or ms.
            if nanos < 1_000 {
                out = "\(nanos)ns"
            } else if nanos < 1_000_000 {
                out = fraction(nanos, unit: 1_000) + "µs"
            } else {
                out = fraction(nanos, unit: 1_000_000) + "ms"
            }
        } else {
            let hours = nanos / 3_600_000_000_000
            let minutes = (nanos / 60_000_000_000) % 60
            let secondsPart = nanos % 60_000_000_000
            out = ""
            if hours > 0 { out += "\(hours)h" }
            if hours > 0 || minutes > 0 { out += "\(minutes)m" }
            out += fraction(secondsPart, unit: 1_000_000_000) + "s"
        }
        return negative ? "-" + out : out
    }

    /// `value / unit` with the fractional digits Go prints (trailing zeros dropped).
    private static func fraction(_ value: Int64, unit: Int64) -> String {
        let whole = value / unit
        var rest = value % unit
        guard rest != 0 else { return String(whole) }
        var digits = ""
        var scale = unit / 10
        while scale > 0 {
            digits.append(Character(String(rest / scale)))
            rest %= scale
            scale /= 10
        }
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits)"
    }

    /// Kubelet truncates pull durations to milliseconds before printing them.
    static func truncatedToMillis(_ seconds: Double) -> Double {
        (seconds * 1000).rounded(.down) / 1000
    }

    /// `format.Pod`: name_namespace(uid).
    static func podDescription(namespace: String, name: String, uid: String) -> String {
        "\(name)_\(namespace)(\(uid))"
    }

    static func pulling(_ image: String) -> String { "Pulling image \"\(image)\"" }

    static func pulled(_ image: String, pullSeconds: Double, totalSeconds: Double, size: Int64) -> String {
        let pull = goDuration(truncatedToMillis(pullSeconds))
        let total = goDuration(truncatedToMillis(max(totalSeconds, pullSeconds)))
        return "Successfully pulled image \"\(image)\" in \(pull) (\(total) including waiting). Image size: \(size) bytes."
    }

    static func alreadyPresent(_ image: String) -> String { "Container image \"\(image)\" already present on machine" }
    static func created(_ container: String) -> String { "Created container: \(container)" }
    static func started(_ container: String) -> String { "Started container \(container)" }
    static func stopping(_ container: String) -> String { "Stopping container \(container)" }
    static func definitionChanged(_ container: String) -> String { "Container \(container) definition changed, will be restarted" }
    static func failedToPull(_ image: String, error: String) -> String { "Failed to pull image \"\(image)\": \(error)" }
    static func backOffPulling(_ image: String) -> String { "Back-off pulling image \"\(image)\"" }

    /// The waiting message of a container in ImagePullBackOff (kubelet keeps the last pull error in it).
    static func imagePullBackOffMessage(_ image: String, error: String) -> String {
        "Back-off pulling image \"\(image)\": ErrImagePull: \(error)"
    }

    static func crashBackOffEvent(container: String, pod: String) -> String {
        "Back-off restarting failed container \(container) in pod \(pod)"
    }

    static func crashBackOffMessage(backOff: Double, container: String, pod: String) -> String {
        "back-off \(goDuration(backOff)) restarting failed container=\(container) pod=\(pod)"
    }

    /// containerd's answer for a tag the registry does not have.
    static func imageNotFound(_ image: String) -> String {
        let ref = KubeletImages.reference(image)
        return "rpc error: code = NotFound desc = failed to pull and unpack image \"\(ref)\": failed to resolve reference \"\(ref)\": \(ref): not found"
    }

    /// containerd's answer when the registry refuses the pull (used for the ImagePullBackOff failure mode,
    /// whose image may well exist).
    static func imageAccessDenied(_ image: String) -> String {
        let ref = KubeletImages.reference(image)
        return "rpc error: code = Unknown desc = failed to pull and unpack image \"\(ref)\": failed to resolve reference \"\(ref)\": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed"
    }

    /// A Go slice of strings as `%s` prints it: [a b].
    static func goList(_ names: [String]) -> String { "[" + names.joined(separator: " ") + "]" }
}

/// Kubelet's exponential back-off (flowcontrol.Backoff with 10 s initial and 5 min maximum), shared by image
/// pulls and container restarts.
enum KubeletBackOff {
    static let initial = 10.0
    static let maximum = 300.0
    /// A container that ran this long before exiting starts its back-off afresh (the entry expired).
    static let resetAfter = 2 * maximum

    /// The wait after the `failures`-th consecutive failure: 10, 20, 40, ... 300 s.
    static func delay(failures: Int) -> Double {
        guard failures > 0 else { return 0 }
        var delay = initial
        for _ in 1..<failures {
            delay *= 2
            if delay >= maximum { return maximum }
        }
        return min(delay, maximum)
    }

    /// Restart wait after a container exit: the first exit restarts at once, later ones back off.
    static func restartDelay(consecutiveExits: Int) -> Double {
        delay(failures: consecutiveExits - 1)
    }
}

/// Image references as containerd normalises them, plus the simulated registry's facts about an image.
enum KubeletImages {
    enum Family: String, Sendable {
        case nginx, redis, postgres, python, busybox, cuda, generic
    }

    /// The repository and the tag or digest part of an image as written in a pod spec.
    static func split(_ image: String) -> (repository: String, tag: String?, digest: String?) {
        var rest = image
        var digest: String?
        if let at = rest.firstIndex(of: "@") {
            digest = String(rest[rest.index(after: at)...])
            rest = String(rest[..<at])
        }
        var tag: String?
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            tag = String(rest[rest.index(after: colon)...])
            rest = String(rest[..<colon])
        }
        return (rest, tag, digest)
    }

    /// docker.io/library/nginx for nginx, docker.io/bitnami/redis for bitnami/redis; registries stay.
    static func repository(_ image: String) -> String {
        let repo = split(image).repository
        let parts = repo.split(separator: "/", maxSplits: 1).map(String.init)
        if parts.count == 1 { return "docker.io/library/" + repo }
        let host = parts[0]
        if host.contains(".") || host.contains(":") || host == "localhost" { return repo }
        return "docker.io/" + repo
    }

    /// The fully qualified reference containerd reports: docker.io/library/nginx:1.27.
    static func reference(_ image: String) -> String {
        let parts = split(image)
        if let digest = parts.digest { return repository(image) + "@" + digest }
        return repository(image) + ":" + (parts.tag ?? "latest")
    }

    /// Tags no registry has: the simulation's way of asking for an ImagePullBackOff by image name.
    static func cannotExist(_ image: String) -> Bool {
        guard let tag = split(image).tag?.lowercased() else { return false }
        return tag == "doesnotexist" || tag == "invalid" || tag.contains("nonexistent") || tag.contains("doesnotexist")
    }

    static func family(_ image: String) -> Family {
        let repo = split(image).repository.lowercased()
        let name = repo.split(separator: "/").last.map(String.init) ?? repo
        if name.contains("nginx") { return .nginx }
        if name.contains("redis") || name.contains("valkey") { return .redis }
        if name.contains("postgres") || name.contains("pgvector") || name.contains("timescale") { return .postgres }
        if name.contains("cuda") || name.contains("triton") || name.contains("pytorch") || name.contains("tensorflow")
            || name.contains("vllm") || repo.contains("nvidia") { return .cuda }
        if name.contains("python") || name.contains("uvicorn") || name.contains("fastapi") || name.contains("django")
            || name.contains("flask") || name.contains("gunicorn") { return .python }
        if name == "busybox" || name == "alpine" || name.contains("curl") || name == "bash" { return .busybox }
        return .generic
    }

    /// Compressed image size in bytes, the same for an image wherever it is pulled.
    static func size(_ image: String, random: SeededRandom) -> Int64 {
        let range: ClosedRange<Double>
        switch family(image) {
        case .nginx: range = 67_000_000...73_000_000
        case .redis: range = 40_000_000...48_000_000
        case .postgres: range = 150_000_000...165_000_000
        case .python: range = 120_000_000...420_000_000
        case .busybox: range = 2_100_000...9_000_000
        case .cuda: range = 3_500_000_000...9_000_000_000
        case .generic: range = 20_000_000...260_000_000
        }
        return Int64(random.uniform("image/\(reference(image))/size", range))
    }

    /// Seconds a cold pull takes: grows with the size, 0.5 to 8 s, with some registry jitter per node.
    static func pullSeconds(size: Int64, key: String, random: SeededRandom) -> Double {
        let base = 0.5 + Double(size) / 45_000_000
        let jittered = base * random.uniform(key + "/pull", 0.8...1.25)
        return min(8, max(0.5, jittered))
    }

    /// `docker.io/library/nginx@sha256:<hex>`: the digest is a property of the image, not of the node.
    static func imageID(_ image: String, random: SeededRandom) -> String {
        let parts = split(image)
        if let digest = parts.digest { return repository(image) + "@" + digest }
        return repository(image) + "@sha256:" + hex(random, "image/\(reference(image))/digest")
    }

    /// 64 hex digits drawn from the seed and `key`.
    static func hex(_ random: SeededRandom, _ key: String, length: Int = 64) -> String {
        var out = ""
        var round = 0
        while out.count < length {
            let word = String(random.hash("\(key)#\(round)"), radix: 16)
            out += String(repeating: "0", count: 16 - word.count) + word
            round += 1
        }
        return String(out.prefix(length))
    }
}
