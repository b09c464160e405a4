/// The live objects of one resource: by key for gets, and in list order (namespace, then name) so lists and
/// pages come out sorted without sorting, and a namespace is a contiguous range found by binary search.
struct ResourceIndex {
    private(set) var byKey: [ObjectKey: StoredObject] = [:]
    /// Sorted by `ObjectKey <`; holds references, so keeping it costs one pointer per object.
    private(set) var order: [StoredObject] = []

    var count: Int { byKey.count }

    init() {}

    /// Built in one sort, for loading a whole store at start-up (inserting one by one would move the array
    /// each time).
    init(loading objects: [StoredObject]) {
        for object in objects { byKey[object.key] = object }
        order = byKey.values.sorted { $0.key < $1.key }
    }

    subscript(key: ObjectKey) -> StoredObject? { byKey[key] }

    mutating func upsert(_ object: StoredObject) {
        if byKey.updateValue(object, forKey: object.key) != nil {
            order[position(of: object.key)] = object
        } else {
            order.insert(object, at: position(of: object.key))
        }
    }

    mutating func remove(_ key: ObjectKey) {
        guard byKey.removeValue(forKey: key) != nil else { return }
        order.remove(at: position(of: key))
    }

    /// Every object in list order, or those of one namespace.
    func sorted(namespace: String?) -> [StoredObject] {
        guard let namespace else { return order }
        let start = lowerBound { $0.namespace < namespace }
        let end = lowerBound { $0.namespace <= namespace }
        return Array(order[start..<end])
    }

    /// The index of `key`, or where it would be inserted.
    private func position(of key: ObjectKey) -> Int {
        lowerBound { $0 < key }
    }

    /// The first index whose key does not satisfy `before` (which must hold for a prefix of `order`).
    private func lowerBound(_ before: (ObjectKey) -> Bool) -> Int {
        var low = 0, high = order.count
        while low < high {
            let mid = (low + high) / 2
            if before(order[mid].key) { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
