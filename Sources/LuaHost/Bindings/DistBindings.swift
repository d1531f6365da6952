import CLua
import Foundation
import Tensors
import Training

// Lua bindings of the job's processes (`foley.dist`): under `mpirun -np N foley run script.lua` every rank runs the
// script; these let it tell ranks apart and combine tensors. Alone, rank 0 of 1 and every call is the identity.

/// `foley.dist`: the job's rank and size, tensor all-reduce and barrier for Lua scripts run under mpirun.
public enum DistBindings {
    static func world() throws -> Communicator {
        do { return try Distributed.world() } catch { throw LuaRuntimeError("cannot join the MPI job: \(error)") }
    }

    public static func register(_ lua: LuaState) {
        lua.register(library: "dist", help: "foley.dist: the processes of an mpirun job (rank, size, allreduce, barrier); one process alone otherwise.", [
            LuaFunction("rank", """
            foley.dist.rank() -> integer
            This process's index in the job, 0 to size() - 1 (0 without mpirun); rank 0 is the one that logs.
            """) { lua in lua.push(try world().rank); return 1 },
            LuaFunction("size", """
            foley.dist.size() -> integer
            The number of processes in the job (1 without mpirun).
            """) { lua in lua.push(try world().size); return 1 },
            LuaFunction("allreduce", """
            foley.dist.allreduce(tensor[, op = "sum"]) -> tensor
            Combines the tensor across all ranks in place ("sum", "mean" or "max") and returns it; every rank must
            call it with a tensor of the same size.
            """) { lua in
                let t = try lua.tensor(1)
                let op = lua.isNoneOrNil(2) ? "sum" : try lua.string(2)
                guard ["sum", "mean", "max"].contains(op) else { throw lua.argError(2, "\"sum\", \"mean\" or \"max\" expected, got \"\(op)\"") }
                let c = try world()
                try c.allreduce(t.pointer, count: t.count, op: op == "max" ? .max : .sum)
                if op == "mean" { for i in 0..<t.count { t.pointer[i] /= Float(c.size) } }
                lua_pushvalue(lua.L, 1)
                return 1
            },
            LuaFunction("barrier", """
            foley.dist.barrier()
            Waits until every rank has reached this call.
            """) { _ in try world().barrier(); return 0 },
        ])
    }
}
