#include "CLuaShim.h"

void foley_lua_pop(lua_State *L, int n) { lua_pop(L, n); }
void foley_lua_newtable(lua_State *L) { lua_newtable(L); }
const char *foley_lua_tostring(lua_State *L, int idx) { return lua_tostring(L, idx); }
int foley_lua_pcall(lua_State *L, int nargs, int nresults, int msgh) { return lua_pcall(L, nargs, nresults, msgh); }
int foley_lua_isnil(lua_State *L, int idx) { return lua_isnil(L, idx); }
int foley_lua_isnone_or_nil(lua_State *L, int idx) { return lua_isnoneornil(L, idx); }
int foley_lua_istable(lua_State *L, int idx) { return lua_istable(L, idx); }
int foley_lua_isfunction(lua_State *L, int idx) { return lua_isfunction(L, idx); }
lua_Number foley_lua_tonumber(lua_State *L, int idx) { return lua_tonumber(L, idx); }
lua_Integer foley_lua_tointeger(lua_State *L, int idx) { return lua_tointeger(L, idx); }
void *foley_lua_newuserdata(lua_State *L, size_t size) { return lua_newuserdatauv(L, size, 1); }
void foley_lua_pushcfunction(lua_State *L, lua_CFunction f) { lua_pushcfunction(L, f); }
void foley_lua_register(lua_State *L, const char *name, lua_CFunction f) { lua_register(L, name, f); }
int foley_luaL_dostring(lua_State *L, const char *chunk) { return luaL_dostring(L, chunk); }
int foley_luaL_loadbuffer(lua_State *L, const char *buf, size_t len, const char *name) { return luaL_loadbuffer(L, buf, len, name); }
int foley_lua_upvalueindex(int i) { return lua_upvalueindex(i); }
int foley_lua_registryindex(void) { return LUA_REGISTRYINDEX; }
void foley_luaL_getmetatable(lua_State *L, const char *name) { luaL_getmetatable(L, name); }
int foley_lua_error_string(lua_State *L, const char *msg) { lua_pushstring(L, msg); return lua_error(L); }
void foley_lua_insert(lua_State *L, int idx) { lua_insert(L, idx); }
void foley_lua_remove(lua_State *L, int idx) { lua_remove(L, idx); }
void foley_lua_replace(lua_State *L, int idx) { lua_replace(L, idx); }

static void foley_interrupt_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    lua_sethook(L, NULL, 0, 0);
    luaL_error(L, "interrupted!");
}
void foley_lua_set_interrupt(lua_State *L) {
    lua_sethook(L, foley_interrupt_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

/* ---- Binding toolkit support ------------------------------------------------------------ */
#include <signal.h>
#include <string.h>

static foley_swift_dispatch_fn swift_dispatch = NULL;
static foley_swift_release_fn swift_release = NULL;

void foley_set_swift_callbacks(foley_swift_dispatch_fn dispatch, foley_swift_release_fn release) {
    swift_dispatch = dispatch;
    swift_release = release;
}

/* __gc and __close of every Swift-object userdata; upvalue 1 is the type's metatable, so a
 * foreign value passed by hand (getmetatable(t).__gc(io.stdout)) is ignored, never freed. */
static int object_release(lua_State *L) {
    void **slot = (void **)lua_touserdata(L, 1);
    if (slot == NULL || !lua_getmetatable(L, 1)) return 0;
    int same = lua_rawequal(L, -1, lua_upvalueindex(1));
    lua_pop(L, 1);
    if (same && *slot != NULL) {
        void *object = *slot;
        *slot = NULL;
        swift_release(object);
    }
    return 0;
}

int foley_new_object_metatable(lua_State *L, const char *tname) {
    if (!luaL_newmetatable(L, tname)) return 0;   /* sets __name */
    lua_pushvalue(L, -1);
    lua_pushcclosure(L, object_release, 1);
    lua_setfield(L, -2, "__gc");
    lua_pushvalue(L, -1);
    lua_pushcclosure(L, object_release, 1);
    lua_setfield(L, -2, "__close");
    return 1;
}

void foley_push_object(lua_State *L, void *object, const char *tname) {
    void **slot = (void **)lua_newuserdatauv(L, sizeof(void *), 0);
    *slot = object;
    luaL_setmetatable(L, tname);
}

void *foley_to_object(lua_State *L, int idx, const char *tname, int *closed) {
    void **slot = (void **)luaL_testudata(L, idx, tname);
    *closed = 0;
    if (slot == NULL) return NULL;
    if (*slot == NULL) *closed = 1;
    return *slot;
}

static int swift_trampoline(lua_State *L) {
    void **slot = (void **)lua_touserdata(L, lua_upvalueindex(1));
    int n = swift_dispatch(L, *slot);
    if (n < 0) return lua_error(L);   /* the Swift frame has returned: safe to longjmp */
    return n;
}

void foley_push_swift_function(lua_State *L, void *box) {
    foley_new_object_metatable(L, "foley.SwiftFunction");
    lua_pop(L, 1);
    foley_push_object(L, box, "foley.SwiftFunction");
    lua_pushcclosure(L, swift_trampoline, 1);
}

void foley_push_argerror(lua_State *L, int arg, const char *fname, const char *extramsg) {
    lua_Debug ar;
    if (lua_getstack(L, 0, &ar)) {
        lua_getinfo(L, "n", &ar);
        if (ar.namewhat != NULL && strcmp(ar.namewhat, "method") == 0) {
            arg--;
            if (arg == 0) {
                luaL_where(L, 1);
                lua_pushfstring(L, "calling '%s' on bad self (%s)", fname, extramsg);
                lua_concat(L, 2);
                return;
            }
        }
    }
    luaL_where(L, 1);
    lua_pushfstring(L, "bad argument #%d to '%s' (%s)", arg, fname, extramsg);
    lua_concat(L, 2);
}

void foley_push_where_message(lua_State *L, const char *msg, size_t len) {
    luaL_where(L, 1);
    lua_pushlstring(L, msg, len);
    lua_concat(L, 2);
}

const char *foley_typename(lua_State *L, int idx) {
    const char *name;
    if (luaL_getmetafield(L, idx, "__name") == LUA_TSTRING) {
        name = lua_tostring(L, -1);
        lua_pop(L, 1);   /* the string stays alive in the metatable */
        return name;
    }
    if (lua_type(L, idx) == LUA_TLIGHTUSERDATA) return "light userdata";
    return luaL_typename(L, idx);
}

void foley_lua_gcstep(lua_State *L, int kb) { lua_gc(L, LUA_GCSTEP, kb); }

/* ---- Running chunks as lua.c does ------------------------------------------------------- */
static lua_State *volatile interrupt_state = NULL;
/* Until foley_cancel_bind hands over the process's one flag (Tensors' Interrupt), a word of our own. */
static volatile sig_atomic_t own_flag = 0;
static volatile sig_atomic_t *volatile cancel_flag = &own_flag;

void foley_cancel_bind(volatile sig_atomic_t *flag) { cancel_flag = flag; }

static void set_signal(int sig, void (*handler)(int)) {
    struct sigaction sa;
    sa.sa_handler = handler;
    sa.sa_flags = 0;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

/* Raises "interrupted!" at every instruction while the flag stays set, so a pcall that catches the error cannot
 * swallow it: the next instruction after the pcall raises again, up to foley_docall, which clears the hook. */
static void stop_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    if (!*cancel_flag) { lua_sethook(L, NULL, 0, 0); return; }
    luaL_error(L, "interrupted!");
}

void foley_interrupt_running(void) {
    int flag = LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT;
    lua_State *L = interrupt_state;
    *cancel_flag = 1;
    if (L != NULL) lua_sethook(L, stop_hook, flag, 1);
}

static void on_sigint(int sig) {
    set_signal(sig, SIG_DFL);   /* if another SIGINT happens, terminate the process */
    foley_interrupt_running();
}

/* Set once a kernel takes SIGINT over: docall then leaves the handler alone. */
static volatile sig_atomic_t sigint_persistent = 0;

static void on_sigint_persistent(int sig) {
    (void)sig;
    foley_interrupt_running();
}

void foley_sigint_persistent(void) {
    sigint_persistent = 1;
    set_signal(SIGINT, on_sigint_persistent);
}

int foley_msghandler(lua_State *L) {
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

int foley_docall(lua_State *L, int narg, int nres) {
    int base = lua_gettop(L) - narg;
    lua_pushcfunction(L, foley_msghandler);
    lua_insert(L, base);
    interrupt_state = L;
    *cancel_flag = 0;
    if (!sigint_persistent) set_signal(SIGINT, on_sigint);
    int status = lua_pcall(L, narg, nres, base);
    if (!sigint_persistent) set_signal(SIGINT, SIG_DFL);
    lua_sethook(L, NULL, 0, 0);   /* a Ctrl-C that came while Swift code ran must not leak into the next cell */
    interrupt_state = NULL;
    lua_remove(L, base);
    return status;
}

/* ---- A Lua heap with a limit -------------------------------------------------------------- */
#include <stdlib.h>
#include <stdio.h>

/* The allocator's state: bytes in use and the most Lua may hold (0: no limit). A request past the limit
 * returns NULL, which Lua turns into its "not enough memory" error, raised where the allocation happened. */
typedef struct { size_t used, limit; } foley_heap;

static void *foley_limited_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    foley_heap *h = (foley_heap *)ud;
    size_t old = ptr != NULL ? osize : 0;   /* with ptr NULL, osize is the kind of object, not a size */
    if (nsize == 0) {
        free(ptr);
        h->used -= old;
        return NULL;
    }
    if (h->limit != 0 && nsize > old && h->used - old + nsize > h->limit) return NULL;
    void *p = realloc(ptr, nsize);
    if (p != NULL) h->used = h->used - old + nsize;
    return p;
}

static int foley_panic(lua_State *L) {
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "foley: unprotected error in call to Lua API (%s)\n", msg ? msg : "error object is not a string");
    fflush(stderr);
    return 0;
}

lua_State *foley_lua_newstate(size_t limit) {
    foley_heap *h = (foley_heap *)malloc(sizeof(foley_heap));
    if (h == NULL) return NULL;
    h->used = 0;
    h->limit = limit;
    lua_State *L = lua_newstate(foley_limited_alloc, h);
    if (L == NULL) { free(h); return NULL; }
    lua_atpanic(L, foley_panic);
    return L;
}

static foley_heap *heap_of(lua_State *L) {
    void *ud = NULL;
    lua_Alloc f = lua_getallocf(L, &ud);
    return f == foley_limited_alloc ? (foley_heap *)ud : NULL;
}

size_t foley_lua_memory_used(lua_State *L) { foley_heap *h = heap_of(L); return h ? h->used : 0; }
size_t foley_lua_memory_limit(lua_State *L) { foley_heap *h = heap_of(L); return h ? h->limit : 0; }
void foley_lua_set_memory_limit(lua_State *L, size_t limit) { foley_heap *h = heap_of(L); if (h) h->limit = limit; }

void foley_lua_close(lua_State *L) {
    foley_heap *h = heap_of(L);
    lua_close(L);
    free(h);
}
