package dev.skipjack.gguf;

/** Metadata value types of the GGUF key/value section. */
public enum ValueType {
    UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, UINT64, INT64, FLOAT64;

    static ValueType byId(int id) {
        ValueType[] all = values();
        return id >= 0 && id < all.length ? all[id] : null;
    }
}
