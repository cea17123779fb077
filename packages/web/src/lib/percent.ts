// A share (0…1) as an operator reads it: "0 %", "<0.1 %", "4.2 %", "37 %".
export const percent = (share: number) => {
  const p = share * 100;
  if (p === 0) return "0 %";
  if (p < 0.1) return "<0.1 %";
  return `${p < 10 ? p.toFixed(1) : Math.round(p)} %`;
};
