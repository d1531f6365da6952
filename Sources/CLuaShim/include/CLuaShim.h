#ifndef FOLEY_CLUASHIM_H
#define FOLEY_CLUASHIM_H
#include <lua.h>
#include <lualib.h>
#include <lauxlib.h>
#include <signal.h>

/* Lua's C API is largely macros, which Swift cannot call; these are their function forms. */
void foley_lua_pop(lua_State *L, int n);
void foley_lua_newtable(lua_State *L);
const char *foley_lua_tostring(lua_State *L, int idx);
int foley_lua_pcall(lua_State *L, int nargs, int nresults, int msgh);
int foley_lua_isnil(lua_State *L, int idx);
int foley_lua_isnone_or_nil(lua_State *L, int idx);
int foley_lua_istable(lua_State *L, int idx);
int foley_lua_isfunction(lua_State *L, int idx);
lua_Number foley_lua_tonumber(lua_State *L, int idx);
lua_Integer foley_lua_tointeger(lua_State *L, int idx);
void *foley_lua_newuserdata(lua_State *L, size_t size);
void foley_lua_pushcfunction(lua_State *L, lua_CFunction f);
void foley_lua_register(lua_State *L, const char *name, lua_CFunction f);
int foley_luaL_dostring(lua_State *L, const char *chunk);
int foley_luaL_loadbuffer(lua_State *L, const char *buf, size_t len, const char *name);
int foley_lua_upvalueindex(int i);
int foley_lua_registryindex(void);
void foley_luaL_getmetatable(lua_State *L, const char *name);
int foley_lua_error_string(lua_State *L, const char *msg);
void foley_lua_insert(lua_State *L, int idx);
void foley_lua_remove(lua_State *L, int idx);
void foley_lua_replace(lua_State *L, int idx);
/* Ctrl-C: install a count hook that raises "interrupted!" at the next safe point, as lua.c does. */
void foley_lua_set_interrupt(lua_State *L);
/* ---- Binding toolkit support (used by LuaHost's Binding.swift) ----------------------------
 * Swift functions never call lua_error themselves: Lua's longjmp must not cross Swift frames.
 * A Swift binding returns a result count, or -1 after pushing an error message; the C trampoline
 * below raises the error once the Swift frame is gone. */
typedef int (*foley_swift_dispatch_fn)(lua_State *L, void *box);
typedef void (*foley_swift_release_fn)(void *object);
/* Set once: how to call a boxed Swift closure, and how to release a retained Swift object. */
void foley_set_swift_callbacks(foley_swift_dispatch_fn dispatch, foley_swift_release_fn release);
/* Pushes a C closure that calls the retained Swift closure box `box` (released when collected). */
void foley_push_swift_function(lua_State *L, void *box);
/* Creates (or fetches) the metatable `tname` with __name, __gc and __close that release the
 * Swift object held by a userdata of that type; leaves it on the stack. Returns 1 if new. */
int foley_new_object_metatable(lua_State *L, const char *tname);
/* Pushes a new userdata holding the retained Swift object `object`, with metatable `tname`. */
void foley_push_object(lua_State *L, void *object, const char *tname);
/* The Swift object in the userdata at idx if its metatable is `tname`; NULL otherwise.
 * *closed is set to 1 when the userdata has the type but was already closed. */
void *foley_to_object(lua_State *L, int idx, const char *tname, int *closed);
/* Pushes "where: bad argument #arg to 'fname' (extramsg)" as luaL_argerror would (method calls
 * count from the first explicit argument), without raising it. */
void foley_push_argerror(lua_State *L, int arg, const char *fname, const char *extramsg);
/* Pushes "where: msg" (luaL_where(L, 1) .. msg) without raising it. */
void foley_push_where_message(lua_State *L, const char *msg, size_t len);
/* Pushes the type name of the value at idx as luaL_typeerror names it (__name of its metatable). */
const char *foley_typename(lua_State *L, int idx);
/* lua_gc(L, LUA_GCSTEP, kb): tells the collector about memory held outside Lua (tensors). */
void foley_lua_gcstep(lua_State *L, int kb);

/* ---- Running chunks as lua.c does ---------------------------------------------------------- */
/* lua.c's docall: calls the function below narg arguments with a traceback message handler and
 * a SIGINT handler installed; the first Ctrl-C sets a hook raising "interrupted!" and the
 * cancellation flag, a second one (handler back to default) ends the process. */
int foley_docall(lua_State *L, int narg, int nres);
/* lua.c's msghandler: message plus luaL_traceback; non-string errors use __tostring. */
int foley_msghandler(lua_State *L);
/* Makes Ctrl-C during foley_docall set (and each call clear) this word: the process's one interrupt
 * flag (Tensors' Interrupt.flag), which long Swift loops poll. */
void foley_cancel_bind(volatile sig_atomic_t *flag);

/* Stops the chunk running in foley_docall as the first Ctrl-C does (sets the flag and the stop hook); safe in a
 * signal handler. A Jupyter kernel calls it for a control-channel interrupt_request. */
void foley_interrupt_running(void);

/* For a process that must survive every SIGINT (a Jupyter kernel): SIGINT always interrupts the running chunk (as
 * foley_interrupt_running) and never kills, and foley_docall stops installing and resetting its own handler. */
void foley_sigint_persistent(void);
/* ---- A Lua heap with a limit ----------------------------------------------------------------- */
/* A state whose allocator counts Lua's bytes and refuses past `limit` (0: none): Lua raises "not enough memory". */
lua_State *foley_lua_newstate(size_t limit);
size_t foley_lua_memory_used(lua_State *L);
size_t foley_lua_memory_limit(lua_State *L);
void foley_lua_set_memory_limit(lua_State *L, size_t limit);
/* lua_close, then frees the allocator's state. */
void foley_lua_close(lua_State *L);
#endif
