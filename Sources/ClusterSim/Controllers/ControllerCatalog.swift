/// The controllers of the simulated cluster. Each lives in its own file; add new ones here.
enum ControllerCatalog {
    static let all: [any Controller.Type] = []
}
