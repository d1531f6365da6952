#ifndef FOLEY_CLUASHIM_H
#define FOLEY_CLUASHIM_H
#include <lua.h>
#include <lualib.h>
#include <lauxlib.h>

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
#endif
