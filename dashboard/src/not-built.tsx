/** A page whose view is being built in a branch; it never ships on main. */
export function NotBuilt(props: { name: string }) {
  return <p class="empty">{props.name}: not built yet.</p>;
}
