// The app mark: a host node (large) and a member node (small) joined by the tower link.
// The same drawing, at 1024 px, is icons/app-icon.svg, from which `tauri icon` made the icon set.
export default function Logo({ size = 28 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 64 64" aria-hidden="true" focusable="false">
      <rect width="64" height="64" rx="14" fill="var(--brand)" />
      <path d="M22 19 L33 25.5 V38.5 L22 45 L11 38.5 V25.5 Z" fill="none" stroke="#fff" strokeWidth="4" strokeLinejoin="round" />
      <path d="M46 30 L53 34 V42 L46 46 L39 42 V34 Z" fill="#fff" />
      <path d="M33 32 H39" stroke="#fff" strokeWidth="3" />
    </svg>
  );
}
