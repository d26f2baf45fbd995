/**
 * Appends `value` to the list under `key`, creating it: the grouping step of every detector. Pushed in
 * place, since copying the list per row (`[...(map.get(key) ?? []), value]`) is quadratic in a group's
 * size, about a second of CPU per run for 20,000 installs of 4 tenants at 5,000 events/s.
 */
export function appendTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}
