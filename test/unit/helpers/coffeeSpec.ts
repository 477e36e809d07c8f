// A small spec of three passing tests on the `degrade` generator over the coffee photo: the run session's and the
// language server's run tests share it (their expectations name its lines: tests at 10, 15 and 19).
export function coffeeSpec(input: string): string {
  return `generator reference
  kind   degrade
  input  ${input}

defaults
  generator  reference
  seeds      1..2
  size       128x128
  pass       all

test "grainy coffee"
  prompt    a cup of coffee, heavy film grain
  baseline  a cup of coffee
  expect    grain >= 0.5

test "blurry coffee"
  prompt    a cup of coffee, out of focus
  expect    blur >= 0.5

test "washed-out coffee"
  prompt    a cup of coffee, faded colours
  expect    desaturation >= 0.3
`;
}
