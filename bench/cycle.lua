-- wrk script: cycles over the request paths listed (one per line) in the file given after "--".
-- Each wrk thread has its own Lua state; threads start at different offsets so they do not ask in lockstep.
local paths = {}
local i = 0

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      paths[#paths + 1] = line
    end
  end
  i = math.random(#paths)
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
