-- quickstart.lua: tensor basics from Lua (runs in CI: `foley run examples/quickstart.lua`).
-- Shows creating tensors, shapes, arithmetic with broadcasting, reductions, element access
-- (1-based, as everything in Lua), printing, and saving/loading safetensors.
local T = foley.tensor
local function show(label, value) print(label .. ":") print(value) end

-- Creating tensors: from nested tables, or filled.
local a = T{{1, 2, 3}, {4, 5, 6}}
print(a)                              -- the values and a [Tensor of size 2x3] footer
print("shape", table.concat(a:shape(), "x"), "elements", a:numel())
local z, o = T.zeros(2, 3), T.ones{2, 3}
local r = T.arange(0, 1, 0.25)        -- 0, 0.25, 0.5, 0.75 (the end is excluded, as torch)
local noise = T.randn({2, 3}, 42)     -- seeded: the same values on every machine

-- Arithmetic with numbers and tensors; shapes broadcast as in NumPy/PyTorch.
local b = (a + 1) * 2 - o / 2
local col = T{{10}, {20}}             -- 2x1 broadcasts across the columns
show("a + col", a + col)
show("squares", a ^ 2)

-- Reductions: a number over everything, a tensor over dimensions (1-based).
print("sum", a:sum(), "mean", a:mean(), "max", a:max())
show("column sums", a:sum(1))
show("row means", a:mean(2))
show("softmax of each row", a:softmax(2))

-- Shapes: reshape shares memory, transpose and permute copy.
print(a:reshape(3, 2))
print(a:t())
print(T.arange(24):reshape(2, 3, 4):permute(3, 1, 2):size(1))

-- Element access: t[i] is the i-th row (a copy), t[{i, j}] one element; assignments write.
show("a[2]", a[2])
print("a[{2, 3}] =", a[{2, 3}], "#a =", #a)
z[1] = 7                              -- fill the first row
z[{2, 2}] = -1
print(z)

-- Matrix products.
local w = T.randn({3, 4}, 1)
local y = a:matmul(w)
print("a @ w has size", table.concat(y:size(), "x"))

-- Inside tables tensors print short; at top level in full.
print(foley.pretty({input = a, weights = w, note = "tables print like this"}))

-- Save and load (safetensors; f16 halves the size).
local path = os.tmpname()
T.save(path, {a = a, noise = noise})
local loaded = T.load(path)
assert(loaded.a:equal(a) and loaded.noise:equal(noise))
os.remove(path)
print("saved and loaded", foley.pretty(loaded))

-- Quick checks used by CI.
assert(a:sum() == 21 and b:numel() == 6 and r:numel() == 4)
print("quickstart ok")
