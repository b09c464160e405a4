import Foundation

// A load generator for the simulator or any Kubernetes API server; see docs/benchmarks.md.
exit(BenchmarkMain.run(Array(CommandLine.arguments.dropFirst())))
