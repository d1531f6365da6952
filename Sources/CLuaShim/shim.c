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
