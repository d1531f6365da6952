-- custom_tensor_ops.lua: writing your own tensor operations in Lua from the built-in ones,
-- adding them as Tensor methods, and fitting a tiny model with autograd.
-- Needs no model files: `foley run examples/custom_tensor_ops.lua`.
local T = foley.tensor
local Tensor = foley.types.Tensor      -- the metatable of every tensor: add methods here

-- 1. New methods, built from existing ops (they get autograd for free).
function Tensor:normalize(dim)
  local mean = self:mean(dim, true)
  local centered = self - mean
  local var = (centered ^ 2):mean(dim, true)
  return centered / (var + 1e-5):sqrt()
end
foley.doc("Tensor:normalize", "t:normalize(dim) -> Tensor\nZero mean, unit variance along dim.")

function Tensor:cosine(other)
  local dot = (self * other):sum()
  return dot / math.sqrt((self * self):sum() * (other * other):sum())
end

local x = T{{1, 2, 3, 4}, {10, 20, 30, 40}}
local n = x:normalize(2)
print("normalized rows:")
print(n)
print(string.format("row means %.4f %.4f", n[1]:mean(), n[2]:mean()))
print(string.format("cosine of the rows %.4f", x[1]:cosine(x[2])))

-- 2. An elementwise op written in Lua over values (slow but flexible): a smooth step.
local function map(t, f)
  local flat = t:reshape(-1):totable()
  for i = 1, #flat do flat[i] = f(flat[i]) end
  return T.from(flat):reshape(t:shape())
end
local smooth = map(T.linspace(-1, 2, 7), function(v)
  local c = math.min(math.max(v, 0), 1)
  return c * c * (3 - 2 * c)
end)
print("smoothstep:")
print(smooth)

-- 3. Fit y = 3x - 1 with gradient descent; the loss is a 0-d tensor because w records gradients.
local xs = T.linspace(-1, 1, 32):reshape(32, 1)
local ys = xs * 3 - 1 + T.randn({32, 1}, 5) * 0.05
local w = T.zeros(1, 1):requires_grad()
local b = T.zeros(1):requires_grad()
local lr = 0.5
for step = 1, 60 do
  local pred = xs:matmul(w) + b
  local loss = ((pred - ys) ^ 2):mean()
  loss:backward()
  T.no_grad(function()
    w:fill((w - w:grad() * lr):item()):zero_grad()
    b:fill((b - b:grad() * lr):item()):zero_grad()
  end)
  if step % 20 == 0 then print(string.format("step %2d  loss %.5f", step, loss:item())) end
end
print(string.format("fitted w = %.3f, b = %.3f", w:item(), b:item()))
assert(math.abs(w:item() - 3) < 0.1 and math.abs(b:item() + 1) < 0.1)

-- 4. A parameter sweep over the learning rate with the stdlib's sweep().
local results = sweep({lr = {0.05, 0.5}}, function(p)
  local v = T.zeros(1, 1):requires_grad()
  for _ = 1, 20 do
    local loss = ((xs:matmul(v) - xs * 3) ^ 2):mean()
    loss:backward()
    v:fill((v - v:grad() * p.lr):item()):zero_grad()
  end
  return v:item()
end)
for _, r in ipairs(results) do print(string.format("lr %.2f -> w %.3f", r.params.lr, r.result)) end
print("custom ops ok")
