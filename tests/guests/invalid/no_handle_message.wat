(module (memory (export "memory") 1) (func (export "wasmhive_abi_v1")))
